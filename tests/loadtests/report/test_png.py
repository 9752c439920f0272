"""The screenshot test's PNG reader, on a PNG built by hand: one row per scanline filter."""

from __future__ import annotations

import struct
import zlib

import pytest

from tests.loadtests.report import png


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(width: int, height: int, scanlines: bytes) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        png.SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(scanlines))
        + _chunk(b"IEND", b"")
    )


# Filtered by hand (PNG spec, section 7.3): each row is its filter type, then the differences.
SCANLINES = b"".join(
    bytes(row)
    for row in (
        [1, 10, 20, 30, 5, 5, 5],  # Sub: (10,20,30), then (15,25,35) = left + 5
        # Paeth: above (10,20,30) is nearest for the first pixel; for the second, left + up -
        # corner = (17,27,37) is nearest to up (15,25,35)
        [4, 2, 2, 2, 5, 5, 5],
        [2, 1, 1, 1, 1, 1, 1],  # Up: (13,23,33), (21,31,41)
        # Average: (0 + 13) >> 1 = 6 (+94 = 100), ...; then (100 + 21) >> 1 = 60 (+10 = 70), ...
        [3, 94, 89, 84, 10, 15, 20],
    )
)


def test_every_filter_decodes_to_the_pixels_it_encodes() -> None:
    image = png.decode(_png(2, 4, SCANLINES))
    assert (image.width, image.height) == (2, 4)
    assert [image.row(y) for y in range(4)] == [
        [(10, 20, 30), (15, 25, 35)],
        [(12, 22, 32), (20, 30, 40)],
        [(13, 23, 33), (21, 31, 41)],
        [(100, 100, 100), (70, 80, 90)],
    ]
    assert image.pixel(1, 3) == (70, 80, 90)


def test_a_damaged_file_is_refused() -> None:
    good = _png(2, 4, SCANLINES)
    with pytest.raises(ValueError, match="not a PNG"):
        png.decode(b"GIF89a" + good[6:])
    damaged = bytearray(good)
    damaged[20] ^= 0xFF  # inside IHDR
    with pytest.raises(ValueError, match="bad CRC"):
        png.decode(bytes(damaged))
