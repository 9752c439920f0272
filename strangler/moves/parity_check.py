"""The parity check's I/O: replay requests down both paths and compare what came back.

Safe requests (GET, HEAD, OPTIONS) go to the live monolith and the live function. Unsafe ones
(POST, PUT, PATCH, DELETE) never touch the live data: they go to each path's own copy of the
database (``copies.write_paths``), and after each one the rows it changed on either copy are
compared too. Both paths get the requests in the same order, as captured.
"""

from __future__ import annotations

import http.client
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psycopg
from multidict import CIMultiDict

from infra.local.gateway.events import ApiContext, GatewayRequest, build_event, map_lambda_result
from infra.local.gateway.passthrough import upstream_request_headers
from strangler.moves.changes import DbState, KeyMap, diff_states, match_changes, summary
from strangler.moves.copies import WritePaths
from strangler.moves.dbstate import Table, fetch_row, read_state, tables
from strangler.moves.parity import Difference, IgnoreRules, Observed, compare, compare_values
from strangler.moves.replay import Replay, match, route_matcher
from strangler.progress import Progress
from strangler.stack.invoke import invoke
from strangler_core.lambda_model import InvokeCredentials
from strangler_core.matching import Match

REQUEST_TIMEOUT_S = 30
_SOURCE_IP = "127.0.0.1"


@dataclass(frozen=True)
class Mismatch:
    index: int
    """1-based position of the request in the replayed sequence."""
    request: Replay
    what: str
    """``the answers differ``, or which row the two paths changed differently."""
    differences: list[Difference]


@dataclass
class ParityResult:
    planned: int = 0
    """How many requests were to be replayed."""
    checked: list[Replay] = field(default_factory=list)
    writes: int = 0
    """How many of ``checked`` were unsafe, replayed on the copies."""
    mismatches: list[Mismatch] = field(default_factory=list)
    not_replayed: list[Replay] = field(default_factory=list)
    """Writes after the copies had diverged: comparing them would say nothing more."""

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": len(self.checked),
            "writes": self.writes,
            "mismatched": [f"{m.index}: {m.request}" for m in self.mismatches],
        }


@dataclass(frozen=True)
class Paths:
    """Where the two paths answer: a monolith base URL, a Lambda service and its function."""

    monolith_url: str
    lambda_url: str
    function: str
    region: str
    credentials: InvokeCredentials
    """The stack's key, for the Lambda path's Invoke requests."""


def fetch_monolith(monolith_url: str, replay: Replay) -> Observed:
    """``replay`` sent to the monolith as the gateway forwards it: raw target, its headers."""
    base = urlsplit(monolith_url)
    conn = http.client.HTTPConnection(
        base.hostname or "127.0.0.1", base.port, timeout=REQUEST_TIMEOUT_S
    )
    try:
        conn.putrequest(replay.method, replay.target, skip_accept_encoding=True)
        forwarded = upstream_request_headers(
            CIMultiDict(replay.headers), _SOURCE_IP, _server_port(replay)
        )
        for name, value in forwarded.items():
            conn.putheader(name, value)
        if replay.body or not replay.safe:
            conn.putheader("Content-Length", str(len(replay.body)))
        conn.endheaders(replay.body or None)
        response = conn.getresponse()
        body = response.read()
        return Observed(response.status, response.getheader("Content-Type"), body)
    finally:
        conn.close()


def _server_port(replay: Replay) -> int:
    """The port the client reached the gateway on, as its Host header says (80 without one)."""
    host = next((v for k, v in replay.headers if k.lower() == "host"), "")
    port = host.rsplit(":", 1)[1] if ":" in host and not host.endswith("]") else ""
    return int(port) if port.isdigit() else 80


def fetch_lambda(paths: Paths, replay: Replay, matched: Match | None) -> Observed:
    """``replay`` as the gateway's payload 2.0 event, invoked on ``paths``' function."""
    headers = list(replay.headers)
    if replay.body or not replay.safe:
        headers.append(("content-length", str(len(replay.body))))
    event = build_event(
        GatewayRequest(
            method=replay.method,
            raw_path=replay.raw_path,
            raw_query=replay.raw_query,
            headers=headers,
            body=replay.body,
            source_ip=_SOURCE_IP,
            request_id=str(uuid.uuid4()),
            time_epoch_ms=int(time.time() * 1000),
            route_key=matched.route.route_key if matched else "$default",
            path_parameters=dict(matched.path_parameters) if matched else {},
            server_port=_server_port(replay),
        ),
        ApiContext(),
    )
    result = invoke(paths.lambda_url, paths.function, event, paths.region, paths.credentials)
    if result.function_error:
        return Observed(502, "application/json", json.dumps(result.payload).encode())
    response = map_lambda_result(json.dumps(result.payload).encode())
    content_type = next((v for k, v in response.headers if k.lower() == "content-type"), None)
    return Observed(response.status, content_type, response.body)


def check_parity(
    *,
    replays: list[Replay],
    route_keys: tuple[str, ...],
    live: Paths,
    rules: IgnoreRules,
    column_rules: IgnoreRules,
    write_paths: Callable[[], AbstractContextManager[WritePaths]],
    progress: Progress = lambda _: None,
) -> ParityResult:
    """Replay ``replays`` in order; ``write_paths`` is entered only when there are writes."""
    result = ParityResult(planned=len(replays))
    matcher = route_matcher(route_keys)
    with ExitStack() as stack:
        copies: _Copies | None = None
        for index, replay in enumerate(replays, 1):
            matched = match(matcher, replay)
            if replay.safe:
                _compare_answers(result, index, replay, live, live, matched, rules)
                continue
            if any(not m.request.safe for m in result.mismatches):
                result.not_replayed.append(replay)
                continue
            if copies is None:
                progress("      writes are replayed on two copies of the database, one per path")
                copies = stack.enter_context(_open_copies(write_paths(), live, column_rules))
            result.writes += 1
            # both, even when the answers differ: the rows say what went wrong
            _compare_answers(result, index, replay, copies.monolith, copies.lam, matched, rules)
            _compare_writes(result, index, replay, copies, column_rules, progress)
    return result


def _compare_answers(
    result: ParityResult,
    index: int,
    replay: Replay,
    monolith: Paths,
    lam: Paths,
    matched: Match | None,
    rules: IgnoreRules,
) -> None:
    mono_answer = fetch_monolith(monolith.monolith_url, replay)
    lam_answer = fetch_lambda(lam, replay, matched)
    result.checked.append(replay)
    differences = compare(mono_answer, lam_answer, rules, head=replay.method == "HEAD")
    if differences:
        result.mismatches.append(Mismatch(index, replay, "the answers differ", differences))


@dataclass
class _Copies:
    monolith: Paths
    lam: Paths
    monolith_db: psycopg.Connection[Any]
    lambda_db: psycopg.Connection[Any]
    schema: list[Table]
    monolith_state: DbState
    lambda_state: DbState
    keys: KeyMap = field(default_factory=dict)


@contextmanager
def _open_copies(
    paths: AbstractContextManager[WritePaths], live: Paths, rules: IgnoreRules
) -> Iterator[_Copies]:
    with (
        paths as write,
        psycopg.connect(write.monolith_database, autocommit=True) as monolith_db,
        psycopg.connect(write.lambda_database, autocommit=True) as lambda_db,
    ):
        schema = tables(monolith_db)
        yield _Copies(
            monolith=Paths(write.monolith_url, "", live.function, live.region, live.credentials),
            lam=Paths("", write.lambda_url, live.function, live.region, live.credentials),
            monolith_db=monolith_db,
            lambda_db=lambda_db,
            schema=schema,
            monolith_state=read_state(monolith_db, schema, rules),
            lambda_state=read_state(lambda_db, schema, rules),
        )


def _compare_writes(
    result: ParityResult,
    index: int,
    replay: Replay,
    copies: _Copies,
    rules: IgnoreRules,
    progress: Progress,
) -> None:
    mono_after = read_state(copies.monolith_db, copies.schema, rules)
    lam_after = read_state(copies.lambda_db, copies.schema, rules)
    mono_changes = diff_states(copies.monolith_state, mono_after)
    lam_changes = diff_states(copies.lambda_state, lam_after)
    copies.monolith_state, copies.lambda_state = mono_after, lam_after
    mismatch = match_changes(mono_changes, lam_changes, copies.keys)
    if mismatch is None:
        progress(f"      {replay}: {summary(mono_changes)} on both paths")
        return
    table = next(t for t in copies.schema if t.label == mismatch.table)
    mono_row = (
        fetch_row(copies.monolith_db, table, mismatch.monolith_key)
        if mismatch.monolith_key
        else None
    )
    lam_row = (
        fetch_row(copies.lambda_db, table, mismatch.lambda_key) if mismatch.lambda_key else None
    )
    differences = _row_differences(table, mono_row, lam_row, rules)
    what = f"the database changes differ: {mismatch.describe()}"
    result.mismatches.append(Mismatch(index, replay, what, differences))


def _row_differences(
    table: Table, mono: dict[str, Any] | None, lam: dict[str, Any] | None, rules: IgnoreRules
) -> list[Difference]:
    """The row's columns that differ; the whole row where one copy has none."""
    if mono is not None and lam is not None:
        differences = compare_values(mono, lam, table.label.split("."), rules)
        if differences:
            return differences
    return [Difference(table.label, _row_text(mono), _row_text(lam))]


def _row_text(row: dict[str, Any] | None) -> str:
    if row is None:
        return "<no row>"
    return json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
