"""Freed body-sized buffers go back to the operating system (glibc's malloc), measured in
tests/infra/local/gateway/test_memory.py.

glibc serves an allocation above its mmap threshold with a mapping of its own and unmaps it
when freed. The threshold adjusts itself, though: each such block freed raises it to that
block's size (up to 32 MiB on 64-bit), so after the first large body, 10 MiB buffers come from
the heap, whose freed pages stay with the process (20 bodies of 9.9 MiB at once left the
gateway ~300 MB larger for good). Setting the threshold fixes it (and stops the adjustment,
mallopt(3)): every buffer from ``MMAP_THRESHOLD`` up is its own mapping, returned when freed.
The smaller pieces a body passed through on its way (socket reads, base64 pieces) are freed
in the heap, scattered: ``trim_heap`` hands those pages back once no large body is held.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

M_MMAP_THRESHOLD = -3
"""mallopt(3)'s parameter number (glibc's malloc.h)."""
MMAP_THRESHOLD = 1024 * 1024


def _glibc_function(name: str) -> Any:
    if not sys.platform.startswith("linux"):
        return None
    return getattr(ctypes.CDLL(None), name, None)  # musl has neither


def return_large_buffers() -> bool:
    """Set glibc's mmap threshold for this process; False where malloc is not glibc's."""
    mallopt = _glibc_function("mallopt")
    return mallopt is not None and mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1


_malloc_trim = _glibc_function("malloc_trim")


def trim_heap() -> None:
    """malloc_trim(3): the heap's free pages back to the system (glibc; a no-op elsewhere)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
