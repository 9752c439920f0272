"""JSON <-> raw records (pure): one validator per record type, built once, used per line.

Every error is a ``RawFormatError`` naming the file (and line, for ``.jsonl``) and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from hdrh.histogram import HdrHistogram
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from pydantic_core import InitErrorDetails

from loadtests.report.raw.records import (
    HISTOGRAMS,
    ColdStart,
    LambdaReport,
    OverheadProbe,
    PathCounters,
    RunMeta,
    Sample,
    SecondRow,
)
from strangler_core.errors import StranglerError
from strangler_core.model import describe

T = TypeVar("T")


class RawFormatError(StranglerError, ValueError):
    """A raw results file is missing or malformed; the message names the file and the key."""


def to_json(record: Any) -> dict[str, Any]:
    """A record as the JSON object of the raw format (`lambda_` is written `lambda`)."""
    if isinstance(record, BaseModel):
        return record.model_dump(by_alias=True)
    return dict(record)


@dataclass(frozen=True)
class RecordType(Generic[T]):
    """How one kind of raw document is validated: built once, used for every line.

    ``tagged``: a union told apart by its ``kind`` key, whose errors pydantic files under the
    tag (``db.lambda``); the file's key is ``lambda``.
    """

    adapter: TypeAdapter[T]
    tagged: bool = False

    def parse(self, text: str | bytes, where: str) -> T:
        try:
            return self.adapter.validate_json(text, by_alias=True, by_name=False)
        except ValidationError as exc:
            problem = _untagged(exc) if self.tagged else exc
            raise RawFormatError(str(describe(problem, where))) from None


def _untagged(exc: ValidationError) -> ValidationError:
    details: list[InitErrorDetails] = []
    for error in exc.errors(include_url=False):
        detail = InitErrorDetails(
            type=error["type"], loc=tuple(error["loc"])[1:], input=error["input"]
        )
        if "ctx" in error:
            detail["ctx"] = error["ctx"]
        details.append(detail)
    return ValidationError.from_exception_data(exc.title, details)


META_RECORD = RecordType(TypeAdapter(RunMeta))
COUNTERS_RECORD = RecordType(TypeAdapter(dict[str, PathCounters]))
HISTOGRAMS_RECORD = RecordType(TypeAdapter(dict[str, str]))
SECOND_RECORD = RecordType(TypeAdapter(SecondRow))
COLD_START_RECORD = RecordType(TypeAdapter(ColdStart))
SAMPLE_RECORD: RecordType[Sample] = RecordType(
    TypeAdapter(Annotated[Sample, Field(discriminator="kind")]), tagged=True
)
LAMBDA_REPORT_RECORD = RecordType(TypeAdapter(LambdaReport))
SEGMENT_RECORD = RecordType(TypeAdapter(dict[str, Any]))
OVERHEAD_RECORD = RecordType(TypeAdapter(OverheadProbe))


def parse_histograms(text: str | bytes, where: str = HISTOGRAMS) -> dict[str, HdrHistogram]:
    out: dict[str, HdrHistogram] = {}
    for path, encoded in HISTOGRAMS_RECORD.parse(text, where).items():
        try:
            out[path] = HdrHistogram.decode(encoded.encode("ascii"))
        except Exception as exc:  # hdrh raises assorted errors on bad input: convert here
            raise RawFormatError(f"{where}: {path}: not an encoded HDR histogram") from exc
    return out
