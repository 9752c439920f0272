"""Where an asynchronous invocation that failed for good is recorded: the on-failure destination.

The record is AWS's invocation record (Lambda guide, "Capturing records of Lambda asynchronous
invocations"): ``version``, ``timestamp``, ``requestContext`` (requestId, functionArn,
condition, approximateInvokeCount), ``requestPayload``, ``responseContext`` (statusCode,
executedVersion, functionError) and ``responsePayload``. It goes to the function's
``on_failure`` SQS queue (boto3, at ``sqs_endpoint_url`` when set), else to the local
dead-letter queue: one JSON file per record in a directory, which ``strangler dlq`` lists and
redrives. A record the SQS queue refuses is kept in the local one rather than lost.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from strangler_core.atomic import write_atomic
from strangler_core.errors import ConfigError

from .event_queue import QueuedEvent, new_event, spool
from .logformat import VERSION


def _json_or_text(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return raw.decode(errors="replace")


def failure_record(
    event: QueuedEvent, *, function_arn: str, condition: str, now: datetime
) -> dict[str, Any]:
    """AWS's on-failure invocation record of ``event``."""
    response: dict[str, Any] = {"statusCode": event.last_status, "executedVersion": VERSION}
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{function_arn}:{VERSION}",
            "condition": condition,
            "approximateInvokeCount": event.tries.invokes,
        },
        "requestPayload": _json_or_text(event.payload),
        "responseContext": response,
    }
    if event.tries.function_errors:
        response["functionError"] = "Unhandled"
        record["responsePayload"] = _json_or_text(event.last_response)
    return record


class Destination(Protocol):
    def send(self, record: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class DeadLetter:
    """One record of the local dead-letter queue."""

    id: str  # the failed event's request id
    path: Path
    record: dict[str, Any]

    @property
    def function(self) -> str:
        arn = str(self.record["requestContext"]["functionArn"])
        return arn.split(":function:", 1)[1].split(":", 1)[0]


class LocalDeadLetters:
    """The local dead-letter queue: a directory of invocation records."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = record["timestamp"].replace(":", "").replace("-", "")
        name = f"{stamp}-{record['requestContext']['requestId']}.json"
        write_atomic(self.directory / name, json.dumps(record, indent=2))

    def letters(self) -> list[DeadLetter]:
        """Every record, oldest first."""
        if not self.directory.is_dir():
            return []
        letters = []
        for name in sorted(os.listdir(self.directory)):
            if not name.endswith(".json") or name.startswith("."):
                continue
            path = self.directory / name
            record = json.loads(path.read_text(encoding="utf-8"))
            letters.append(DeadLetter(record["requestContext"]["requestId"], path, record))
        return letters

    def select(self, ids: Iterable[str] = ()) -> list[DeadLetter]:
        """The records of ``ids`` (none: all); an unknown id raises ConfigError."""
        letters = self.letters()
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return letters
        by_id = {letter.id: letter for letter in letters}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            raise ConfigError(f"no dead letter with id {', '.join(unknown)}")
        return [by_id[i] for i in wanted]

    @staticmethod
    def redrive(spool_dir: Path, letters: Iterable[DeadLetter]) -> list[DeadLetter]:
        """Send the records' events to their function again, as new events in the queue at
        ``spool_dir``; each record leaves this queue once its event is queued."""
        moved = []
        for letter in letters:
            payload = json.dumps(letter.record["requestPayload"]).encode()
            spool(spool_dir, new_event(letter.function, payload))
            letter.path.unlink()
            moved.append(letter)
        return moved


class SqsQueue:
    """An SQS queue named by its ARN, at ``endpoint_url`` (None: AWS's own endpoint)."""

    def __init__(self, arn: str, endpoint_url: str | None) -> None:
        _, _, _, region, account, name = arn.split(":", 5)
        self._region, self._account, self._name = region, account, name
        self._endpoint_url = endpoint_url
        self._lock = threading.Lock()
        self._client: Any = None
        self._url: str | None = None

    def send(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._client is None:
                import boto3

                self._client = boto3.client(
                    "sqs", region_name=self._region, endpoint_url=self._endpoint_url
                )
            if self._url is None:
                self._url = self._client.get_queue_url(
                    QueueName=self._name, QueueOwnerAWSAccountId=self._account
                )["QueueUrl"]
            client, url = self._client, self._url
        client.send_message(QueueUrl=url, MessageBody=json.dumps(record))


class FailureSink:
    """Each function's on-failure destination, falling back to the local dead-letter queue."""

    def __init__(
        self, local: LocalDeadLetters, queues: dict[str, str | None], endpoint_url: str | None
    ) -> None:
        self.local = local
        self._queues = {
            name: SqsQueue(arn, endpoint_url) for name, arn in queues.items() if arn is not None
        }
        self.delivery_failures = 0

    def send(self, function: str, record: dict[str, Any]) -> str:
        """Record a failed event; returns where it went (the queue's ARN, or "local")."""
        queue = self._queues.get(function)
        if queue is not None:
            try:
                queue.send(record)
                return "sqs"
            except Exception as exc:  # any boto3 failure: the record stays here instead
                self.delivery_failures += 1
                record = {**record, "deliveryError": f"{type(exc).__name__}: {exc}"}
        self.local.send(record)
        return "local"


def now_utc() -> datetime:
    return datetime.now(UTC)
