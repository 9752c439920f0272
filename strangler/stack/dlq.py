"""``strangler dlq``: the local dead-letter queue of Event invocations that failed for good."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from infra.local.lambda_service.destinations import DeadLetter, LocalDeadLetters
from infra.local.lambda_service.service import DEAD_LETTERS, QUEUE
from strangler.stack.functions import async_dir
from strangler_core.config import Config
from strangler_core.errors import ConfigError


def dead_letters(config: Config) -> LocalDeadLetters:
    return LocalDeadLetters(async_dir(config) / DEAD_LETTERS)


def row(letter: DeadLetter) -> dict[str, Any]:
    """One record as a line of ``dlq list``: what failed, when, how, after how many runs."""
    record = letter.record
    context = record["requestContext"]
    response = record.get("responsePayload")
    error = ""
    if isinstance(response, dict):
        error = f"{response.get('errorType', 'Error')}: {response.get('errorMessage', '')}"
    return {
        "id": letter.id,
        "function": letter.function,
        "timestamp": record["timestamp"],
        "condition": context["condition"],
        "invokes": context["approximateInvokeCount"],
        "error": error,
    }


def redrive(config: Config, ids: Sequence[str]) -> list[DeadLetter]:
    """Queue the events of the records (all, or ``ids``) again as new Event invocations; the
    running service (or the next one started) runs them. Checks every record first: one of a
    function no longer in [[functions]], or an unknown id, moves nothing."""
    queue = dead_letters(config)
    chosen = queue.select(ids)
    gone = sorted({letter.function for letter in chosen} - {f.name for f in config.functions})
    if gone:
        raise ConfigError(f"dead letters of functions no longer in [[functions]]: {gone}")
    return queue.redrive(async_dir(config) / QUEUE, chosen)
