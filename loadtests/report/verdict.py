"""The report's verdict: which path was faster and cheaper, in one plain sentence (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Winner = Literal["monolith", "lambda", "tie", "unknown"]

# Differences under 5% are noise on one laptop: called a tie.
TIE_BAND = 1.05
# Failure rates at or above this are named in the text.
NOTABLE_FAILURE_RATE = 0.001


@dataclass(frozen=True)
class VerdictInputs:
    observed_rps: float
    monolith_requests: int
    lambda_requests: int
    monolith_p50_ms: float
    monolith_p99_ms: float
    lambda_p50_ms: float
    lambda_p99_ms: float
    monolith_failure_rate: float = 0.0
    lambda_failure_rate: float = 0.0
    cold_starts: int = 0
    cold_start_rate: float = 0.0
    init_p50_ms: float | None = None
    throttles: int = 0
    lambda_usd_per_million: float | None = None  # the serverless path: Lambda + API Gateway
    monolith_usd_per_million: float | None = None  # the fleet + ALB at observed_rps
    crossover_rps: float | None = None  # lowest rps where Lambda costs more than the fleet
    curve_max_rps: float | None = None  # the highest traffic the cost curve modelled
    # The Lambda figures above are projected (host contention taken out of cold starts);
    # the measured ones, said beside them
    projected: bool = False
    measured_lambda_p99_ms: float | None = None
    measured_init_p50_ms: float | None = None
    # The harness's own overhead at p50 on each path (compare's probes); None: not probed
    monolith_overhead_p50_ms: float | None = None
    lambda_overhead_p50_ms: float | None = None


@dataclass(frozen=True)
class Verdict:
    faster_p50: Winner
    faster_p99: Winner
    cheaper_at_observed_rps: Winner
    p50_ratio: float | None  # lambda / monolith
    p99_ratio: float | None
    cost_ratio: float | None  # lambda / monolith, per million requests
    crossover_rps: float | None
    text: str

    def to_json(self) -> dict[str, object]:
        return {
            "faster_p50": self.faster_p50,
            "faster_p99": self.faster_p99,
            "cheaper_at_observed_rps": self.cheaper_at_observed_rps,
            "p50_ratio": _round(self.p50_ratio),
            "p99_ratio": _round(self.p99_ratio),
            "cost_ratio": _round(self.cost_ratio),
            "crossover_rps": self.crossover_rps,
            "text": self.text,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _ratio(lam: float, mono: float) -> float | None:
    if lam <= 0 or mono <= 0:
        return None
    return lam / mono


def _lower_wins(ratio: float | None) -> Winner:
    """Who wins when lower is better, given lambda / monolith."""
    if ratio is None:
        return "unknown"
    if ratio >= TIE_BAND:
        return "monolith"
    if ratio <= 1 / TIE_BAND:
        return "lambda"
    return "tie"


def _times(ratio: float) -> str:
    factor = ratio if ratio >= 1 else 1 / ratio
    return f"{factor:,.0f}x" if factor >= 10 else f"{factor:.1f}x"


def _speed(ratio: float | None) -> str:
    winner = _lower_wins(ratio)
    if ratio is None or winner == "tie":
        return "about as fast"
    return f"{_times(ratio)} {'slower' if winner == 'monolith' else 'faster'}"


def fmt_rps(rps: float) -> str:
    return f"{rps:,.0f}" if rps >= 10 else f"{rps:.2g}" if rps < 1 else f"{rps:.1f}"


def approx(value: float) -> str:
    """Two significant figures, for planning numbers: 85.3 -> '85', 1234 -> '1,200'."""
    if value <= 0:
        return "0"
    rounded = float(f"{value:.2g}")
    return f"{rounded:,.0f}" if rounded >= 10 else f"{rounded:g}"


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f}%"


def _cold_part(i: VerdictInputs) -> str:
    if i.cold_starts == 0:
        return "no cold starts"
    part = f"cold starts: {i.cold_starts}, {_pct(i.cold_start_rate)} of requests"
    if i.init_p50_ms is not None:
        part += f", Init Duration p50 {i.init_p50_ms:,.0f} ms"
        if i.projected and i.measured_init_p50_ms is not None:
            part += f" projected ({i.measured_init_p50_ms:,.0f} ms measured)"
        elif i.projected:
            part += " projected (none measured: every init here passed 10 s)"
    return part


def _projected_part(i: VerdictInputs) -> str:
    if not i.projected or i.measured_lambda_p99_ms is None:
        return ""
    return (
        f"Lambda figures are projected: each cold start without the time it waited for this "
        f"host's CPUs (Lambda p99 {i.lambda_p99_ms:,.0f} ms projected, "
        f"{i.measured_lambda_p99_ms:,.0f} ms measured)."
    )


def _cost_part(cheaper: Winner, ratio: float | None) -> str:
    if ratio is None:
        return ""
    if cheaper == "lambda":
        return f"{_times(ratio)} cheaper per million requests"
    if cheaper == "monolith":
        return f"{_times(ratio)} more expensive per million requests"
    return "about as expensive per million requests"


def _crossover_part(i: VerdictInputs, cheaper: Winner) -> str:
    if i.lambda_usd_per_million is None or i.monolith_usd_per_million is None:
        return ""
    if i.crossover_rps is None:
        limit = f" up to {approx(i.curve_max_rps)} req/s" if i.curve_max_rps else ""
        return f"Lambda stays cheaper at every traffic level modelled{limit}."
    c = approx(i.crossover_rps)
    if i.crossover_rps > i.observed_rps and cheaper != "monolith":
        return f"Lambda stays cheaper up to ~{c} req/s."
    if i.crossover_rps <= i.observed_rps and cheaper == "lambda":
        # Past the first crossover the fleet's cost steps up per instance: Lambda can be
        # cheaper again just after a step.
        return (
            f"Lambda first costs more than the fleet at ~{c} req/s "
            "(it wins here, just past a fleet step)."
        )
    return f"Lambda costs more than the fleet from ~{c} req/s on."


def _failure_part(i: VerdictInputs) -> str:
    parts = []
    if i.lambda_failure_rate >= NOTABLE_FAILURE_RATE:
        throttled = f", {i.throttles} throttled" if i.throttles else ""
        parts.append(f"the Lambda path {_pct(i.lambda_failure_rate)}{throttled}")
    if i.monolith_failure_rate >= NOTABLE_FAILURE_RATE:
        parts.append(f"the monolith path {_pct(i.monolith_failure_rate)}")
    return f"Failed requests: {' and '.join(parts)}." if parts else ""


def _overhead_part(i: VerdictInputs) -> str:
    """What the emulator itself added at p50, and whether taking it out changes the winner."""
    lam, mono = i.lambda_overhead_p50_ms, i.monolith_overhead_p50_ms
    if lam is None and mono is None:
        return ""
    if lam is None or mono is None:
        path, value = ("Lambda", lam) if lam is not None else ("monolith", mono)
        assert value is not None
        said = "The harness's own overhead, probed during the run:"
        return f"{said} {value:,.1f} ms of the {path} path's p50."
    measured = _ratio(i.lambda_p50_ms, i.monolith_p50_ms)
    net = _ratio(max(0.0, i.lambda_p50_ms - lam), max(0.0, i.monolith_p50_ms - mono))
    said = (
        f"The harness's own overhead, probed during the run: {lam:,.1f} ms of the Lambda path's "
        f"p50, {mono:,.1f} ms of the monolith path's"
    )
    if _lower_wins(net) != _lower_wins(measured):
        return (
            f"{said}; net of it the Lambda path was {_speed(net)} at p50, so at p50 the "
            "difference measured here is the emulator's, not Lambda's."
        )
    return f"{said} (net of it: {_speed(net)} at p50)."


def decide(i: VerdictInputs) -> Verdict:
    """The verdict of one run; ratios are lambda / monolith, ties within 5%."""
    if i.monolith_requests == 0 or i.lambda_requests == 0:
        empty = "monolith" if i.monolith_requests == 0 else "Lambda"
        return Verdict(
            "unknown",
            "unknown",
            "unknown",
            None,
            None,
            None,
            i.crossover_rps,
            f"No comparison: the {empty} path served no requests in this run.",
        )
    p50 = _ratio(i.lambda_p50_ms, i.monolith_p50_ms)
    p99 = _ratio(i.lambda_p99_ms, i.monolith_p99_ms)
    cost = None
    if i.lambda_usd_per_million is not None and i.monolith_usd_per_million is not None:
        cost = _ratio(i.lambda_usd_per_million, i.monolith_usd_per_million)
    cheaper = _lower_wins(cost)

    p99_speed, p50_speed = _speed(p99), _speed(p50)
    if p99_speed == p50_speed:
        speed = f"{p99_speed} at p50 and p99"
    elif {_lower_wins(p50), _lower_wins(p99)} == {"monolith", "lambda"}:
        speed = f"{p99_speed} at p99 but {p50_speed} at p50"
    else:
        speed = f"{p99_speed} at p99, {p50_speed} at p50"
    sentence = f"At {fmt_rps(i.observed_rps)} req/s the Lambda path was {speed} ({_cold_part(i)})"
    cost_text = _cost_part(cheaper, cost)
    sentence += f" and {cost_text};" if cost_text else "; cost not computed."
    tail = [
        _crossover_part(i, cheaper),
        _failure_part(i),
        _projected_part(i),
        _overhead_part(i),
    ]
    text = " ".join([sentence, *(t for t in tail if t)])
    if text.endswith(";"):
        text = text[:-1] + "."
    return Verdict(
        faster_p50=_lower_wins(p50),
        faster_p99=_lower_wins(p99),
        cheaper_at_observed_rps=cheaper,
        p50_ratio=p50,
        p99_ratio=p99,
        cost_ratio=cost,
        crossover_rps=i.crossover_rps,
        text=text,
    )
