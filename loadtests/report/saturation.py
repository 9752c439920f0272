"""What the report says at its top when this host was the bottleneck (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from loadtests.report.metrics import HostStats

# The report's figures that a saturated host inflates, in the words the report uses.
AFFECTED = (
    "Lambda latency and Init Duration as measured: cold starts queued for the host's CPUs "
    "(the projected figures take that queueing out of each cold start, not out of warm "
    "requests)",
    "the monolith's latency and its measured capacity, so its cost per million and the crossover",
    "Locust's own timing of every request",
)


@dataclass(frozen=True)
class Saturation:
    host: HostStats

    @property
    def text(self) -> str:
        h = self.host
        return (
            f"This host was saturated: in {h.saturated_samples} of {h.samples} sampled seconds "
            f"more tasks were runnable than its {h.cores} cores (peak {h.runnable_peak} "
            f"runnable, mean {h.runnable_mean:.1f}; CPU {h.busy_pct_mean:.0f}% busy on average, "
            f"{h.busy_pct_peak:.0f}% at most; 1-minute load up to {h.load1_peak:.1f}). "
            f"That affects {'; '.join(AFFECTED)}."
        )

    def to_json(self) -> dict[str, object]:
        return self.host.to_json() | {"text": self.text, "affects": list(AFFECTED)}


def saturation(host: HostStats | None) -> Saturation | None:
    """The notice, when the run's host samples show saturation; None otherwise."""
    return Saturation(host) if host is not None and host.saturated else None
