"""write_raw / read_raw: one definition of the raw results, streamed back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loadtests.report.raw import (
    ColdStart,
    DbSample,
    JsonlStream,
    LambdaSample,
    RawFormatError,
    read_raw,
    write_raw,
)
from strangler_core.errors import StranglerError
from tests.loadtests.report.synthetic import cold_starts, meta, raw_run


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    write_raw(tmp_path / "run", raw_run())
    return tmp_path / "run"


def test_round_trip(run_dir: Path) -> None:
    names = sorted(p.name for p in (run_dir / "raw").iterdir())
    assert names == [
        "cold_starts.jsonl",
        "counters.json",
        "histograms.json",
        "lambda_reports.jsonl",
        "meta.json",
        "samples.jsonl",
        "timeseries.jsonl",
    ]
    run = read_raw(run_dir)
    assert run.meta == meta()
    assert run.counters["lambda"].error_classes["lambda_throttle"] == 5
    assert run.histograms["monolith"].get_total_count() == 1000
    assert run.histograms["lambda"].get_max_value() >= 460_000
    assert list(run.cold_starts) == cold_starts()
    samples = list(run.samples)
    assert isinstance(samples[0], LambdaSample) and isinstance(samples[1], DbSample)
    assert sum(1 for _ in run.lambda_reports) == 1000


def test_streams_are_lazy_and_re_iterable(run_dir: Path) -> None:
    run = read_raw(run_dir)
    assert isinstance(run.timeseries, JsonlStream)
    assert sum(1 for _ in run.timeseries) == sum(1 for _ in run.timeseries) == 200


def test_documented_json_reads_with_extra_keys(run_dir: Path) -> None:
    """What the collector and `strangler compare` write by hand; REPORT records are copies of
    the Lambda service's, whose extra keys (`function`, `sandbox_id`, `error_type`) are ignored."""
    raw = run_dir / "raw"
    document = json.loads((raw / "meta.json").read_text())
    document["host"]["cores"] = None  # os.cpu_count() may not know
    (raw / "meta.json").write_text(json.dumps(document))
    (raw / "lambda_reports.jsonl").write_text(
        json.dumps(
            {
                "request_id": "r1",
                "function": "rides",
                "sandbox_id": "sb-1",
                "duration_ms": 1.5,
                "billed_ms": 2,
                "memory_mb": 512,
                "max_memory_mb": 70,
                "init_ms": None,
                "status": "success",
                "error_type": None,
                "timestamp": "2026-11-23T14:00:01.000Z",
            }
        )
        + "\n\n"
    )
    (raw / "cold_starts.jsonl").write_text(
        json.dumps(
            {
                "t": 1.25,
                "request_id": None,
                "latency_ms": 400.5,
                "init_ms": None,
                "sandbox_id": None,
            }
        )
        + "\n"
    )
    run = read_raw(run_dir)
    assert run.meta.host.cores is None
    [report] = list(run.lambda_reports)
    assert report.billed_ms == 2 and report.init_ms is None
    assert list(run.cold_starts) == [
        ColdStart(t=1.25, request_id=None, latency_ms=400.5, init_ms=None, sandbox_id=None)
    ]


def test_missing_jsonl_is_empty_but_missing_meta_is_an_error(run_dir: Path) -> None:
    (run_dir / "raw" / "samples.jsonl").unlink()
    assert list(read_raw(run_dir).samples) == []
    (run_dir / "raw" / "meta.json").unlink()
    with pytest.raises(RawFormatError, match=r"meta.json: missing"):
        read_raw(run_dir)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("meta.json", '{"run_id": "r"}', r"^meta.json: route: is required\n"),
        ("meta.json", "[1]", r"^meta.json: must be a table \(an object\), got \[1\]$"),
        ("histograms.json", '{"lambda": "not-hdr"}', r"^histograms.json: lambda: not an encoded"),
        ("counters.json", "{", r"^counters.json: Invalid JSON: EOF while parsing an object"),
        (
            "counters.json",
            '{"lambda": {"requests": 1, "failures": 0, "statuses": {}}}',
            r"^counters.json: lambda.statuses: unknown key$",
        ),
        (
            "samples.jsonl",
            '{"t": 1, "kind": "cpu"}\n',
            r"^samples.jsonl:1: Input tag 'cpu' found using 'kind' does not match",
        ),
        (
            "samples.jsonl",
            '\n{"t": 1, "kind": "db", "monolith": 1, "lambda": "2", "total": 3}\n',
            r"^samples.jsonl:2: lambda: must be an integer, got '2'$",
        ),
        (
            "samples.jsonl",
            '{"t": 1, "kind": "db", "monolith": 1, "lambda_": 2, "total": 3}\n',
            r"^samples.jsonl:1: lambda: is required\nsamples.jsonl:1: lambda_: unknown key$",
        ),
        ("timeseries.jsonl", '{"t": 0}\n', r"^timeseries.jsonl:1: path: is required\n"),
        (
            "timeseries.jsonl",
            '{"t": 0.5}\n',
            r"^timeseries.jsonl:1: t: must be an integer, got 0.5\n",
        ),
        ("cold_starts.jsonl", "nope\n", r"^cold_starts.jsonl:1: Invalid JSON"),
        ("lambda_reports.jsonl", '{"request_id": 7}\n', r"^lambda_reports.jsonl:1: request_id: "),
    ],
)
def test_bad_files_name_file_line_and_key(
    run_dir: Path, name: str, content: str, message: str
) -> None:
    (run_dir / "raw" / name).write_text(content)
    with pytest.raises(RawFormatError, match=message) as info:
        run = read_raw(run_dir)
        for stream in (run.timeseries, run.cold_starts, run.samples, run.lambda_reports):
            list(stream)
    assert isinstance(info.value, StranglerError)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("load_model", "ramp", "meta.json: load_model: must be 'closed' or 'open', got 'ramp'"),
        ("users", True, "meta.json: users: must be an integer, got True"),
        ("duration_s", "60", "meta.json: duration_s: must be a number, got '60'"),
        ("lambda_", {}, "meta.json: lambda_: unknown key"),
        ("notes", "x", "meta.json: notes: unknown key"),
    ],
)
def test_meta_values_are_checked(run_dir: Path, key: str, value: object, message: str) -> None:
    document = json.loads((run_dir / "raw" / "meta.json").read_text())
    document[key] = value
    (run_dir / "raw" / "meta.json").write_text(json.dumps(document))
    with pytest.raises(RawFormatError, match=message):
        read_raw(run_dir)
