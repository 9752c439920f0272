"""The benchmarks' one percentile."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile of ``samples``, ``q`` a fraction (0.99 for p99)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
