"""Captured traffic: the requests the gateway served, as the client sent them, and HAR import.

The gateway appends one ``CapturedRequest`` a line to ``traffic.jsonl`` in its capture
directory; when the file passes the size cap it is rotated (``traffic.1.jsonl`` is the previous
one, the oldest beyond ``max_files`` is deleted), so a long run stays bounded. The files hold
credentials (cookies, tokens), so the directory is 0700 and every file 0600; anything shown to
a user goes through ``redacted_headers``. Parity checks and replayed comparisons read it back
with ``read_captured``.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, ValidationError

from strangler_core.errors import ConfigError
from strangler_core.model import Items, StrictModel, describe

TRAFFIC_FILE = "traffic.jsonl"
CREDENTIAL_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-amz-security-token",
    }
)
REDACTED = "<redacted>"
CREDENTIAL_QUERY_WORDS = ("token", "key", "secret", "passw", "auth", "session", "sig", "credential")
"""A query parameter whose name holds one of these (any case) is taken for a credential."""


class TrafficError(ConfigError):
    """A capture or HAR file cannot be read."""


class CapturedRequest(StrictModel):
    """One request as received, and the status it was answered with."""

    time: float
    method: str
    raw_path: str = Field(description="the path as sent, percent-encoding kept")
    raw_query: str = Field(default="", description="the query string as sent, without '?'")
    headers: Items[tuple[str, str]] = ()
    body_b64: str = ""
    status: int
    route_key: str | None = None
    body_complete: bool = True
    """False: the body was not recorded (streamed past the gateway, or never read because the
    request was refused); ``body`` is then empty and a replay cannot resend it."""

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_b64)

    @property
    def target(self) -> str:
        """The request target: raw path and query, as on the request line."""
        return f"{self.raw_path}?{self.raw_query}" if self.raw_query else self.raw_path


def captured(
    *,
    time: float,
    method: str,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    status: int,
    route_key: str | None = None,
    body_complete: bool = True,
) -> CapturedRequest:
    """A record from a request target as it appears on the request line."""
    path, _, query = target.partition("?")
    return CapturedRequest(
        time=time,
        method=method.upper(),
        raw_path=path,
        raw_query=query,
        headers=tuple(headers),
        body_b64=base64.b64encode(body).decode("ascii"),
        status=status,
        route_key=route_key,
        body_complete=body_complete,
    )


def wire_field(text: str) -> str:
    """A header field given as text (a HAR file, the command line) as captured ones are held:
    its UTF-8 bytes, one character per byte (latin-1)."""
    return text.encode("utf-8").decode("latin-1")


def redacted_headers(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Headers fit to print: credential values replaced."""
    return [(k, REDACTED if k.lower() in CREDENTIAL_HEADERS else v) for k, v in headers]


def redacted_target(target: str) -> str:
    """A request target fit to print: values of credential-like query parameters replaced,
    everything else as sent."""
    path, mark, query = target.partition("?")
    if not mark:
        return target
    params = []
    for param in query.split("&"):
        name, equals, _ = param.partition("=")
        if equals and any(word in name.lower() for word in CREDENTIAL_QUERY_WORDS):
            param = f"{name}={REDACTED}"
        params.append(param)
    return f"{path}?{'&'.join(params)}"


class TrafficLog:
    """Appends records to ``directory/traffic.jsonl``; past ``max_bytes`` the file rotates.

    ``max_files`` counts every file kept, the current one included, so the capture never holds
    more than about ``max_bytes * max_files`` bytes (a file passes ``max_bytes`` only when one
    record alone is larger). The file's size is read again before each append, so two writers
    (the gateway, a HAR import) keep the bound between them.
    """

    def __init__(self, directory: Path, max_bytes: int, max_files: int = 2) -> None:
        if max_bytes < 1 or max_files < 1:
            raise ValueError("max_bytes and max_files must be positive")
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        self.path = self.directory / TRAFFIC_FILE

    def append(self, records: Iterable[CapturedRequest]) -> None:
        lines = [r.model_dump_json().encode() + b"\n" for r in records]
        if not lines:
            return
        size = self.path.stat().st_size if self.path.exists() else 0
        chunk: list[bytes] = []
        for line in lines:
            if size and size + len(line) > self.max_bytes:
                self._write(chunk)
                chunk = []
                self._rotate()
                size = 0
            chunk.append(line)
            size += len(line)
        self._write(chunk)

    def _write(self, lines: list[bytes]) -> None:
        if not lines:
            return
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, b"".join(lines))
        finally:
            os.close(fd)

    def _rotate(self) -> None:
        self.directory.joinpath(_rotated_name(self.max_files - 1)).unlink(missing_ok=True)
        for index in range(self.max_files - 2, -1, -1):
            older = self.directory / _rotated_name(index)
            if older.exists():
                os.replace(older, self.directory / _rotated_name(index + 1))


def _rotated_name(index: int) -> str:
    return TRAFFIC_FILE if index == 0 else f"traffic.{index}.jsonl"


def capture_files(directory: Path) -> list[Path]:
    """The capture's files, oldest first."""
    numbered = sorted(
        (int(p.name.split(".")[1]), p)
        for p in Path(directory).glob("traffic.*.jsonl")
        if p.name.split(".")[1].isascii() and p.name.split(".")[1].isdigit()
    )
    current = Path(directory) / TRAFFIC_FILE
    return [p for _, p in reversed(numbered)] + ([current] if current.exists() else [])


def read_captured(directory: Path) -> Iterator[CapturedRequest]:
    """Every captured request, oldest first; a damaged line is an error naming file and line."""
    for path in capture_files(directory):
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    yield CapturedRequest.model_validate_json(line)
                except ValidationError as exc:
                    raise describe(exc, f"{path}:{number}", TrafficError) from None


def from_har(document: Mapping[str, Any], source: str = "HAR") -> list[CapturedRequest]:
    """The requests of a HAR 1.2 log (``log.entries[].request`` / ``.response.status``).

    HAR stores the full URL; its path and query are kept as written. Pseudo-headers of HTTP/2
    captures (``:authority`` ...) are dropped. Bodies: ``postData.text`` (HAR has no base64 flag
    for requests, so text is taken as UTF-8).
    """
    try:
        entries = document["log"]["entries"]
        if not isinstance(entries, list):
            raise TypeError
    except (KeyError, TypeError):
        raise TrafficError(f"{source}: not a HAR file (no log.entries list)") from None
    records = []
    for index, entry in enumerate(entries):
        where = f"{source}: log.entries[{index}]"
        try:
            request = entry["request"]
            parts = urlsplit(request["url"])
            headers = [
                (wire_field(str(h["name"])), wire_field(str(h["value"])))
                for h in request.get("headers", [])
                if not str(h["name"]).startswith(":")
            ]
            body = str((request.get("postData") or {}).get("text") or "").encode()
            started = entry.get("startedDateTime")
            records.append(
                captured(
                    time=_har_time(started),
                    method=str(request["method"]),
                    target=(parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                    headers=headers,
                    body=body,
                    status=int((entry.get("response") or {}).get("status") or 0),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise TrafficError(f"{where}: {exc!r} is missing or invalid") from None
    return records


def _har_time(started: object) -> float:
    if not isinstance(started, str):
        return 0.0
    return datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()


def load_har(path: Path) -> list[CapturedRequest]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrafficError(f"{path}: cannot read: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise TrafficError(f"{path}: not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(document, Mapping):
        raise TrafficError(f"{path}: not a HAR file (not a JSON object)")
    return from_har(document, str(path))
