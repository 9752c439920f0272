"""Locust entry point: ``locust -f loadtests/locustfile.py`` (``strangler loadtest``/``compare``).

The users come from the user's own Locust file (``STRANGLER_LT_LOCUSTFILE``; in a comparison
each class runs on both paths, see ``users.py``) or, with none, from the route's captured
requests (``STRANGLER_LT_REPLAY_DIR``, see ``replay.py``). The scenario's stage table drives
the user count; in a comparison run, a collector records every request per path (HDR
histograms) and writes the raw results when the test stops. In Locust's distributed mode the
master runs no users: it hands each worker the run's settings and merges the workers' collectors
before it writes (``distributed.py``).
"""

from __future__ import annotations

import os
from typing import Any

import gevent
from locust import LoadTestShape, events
from locust.env import Environment
from locust.rpc import Message
from locust.runners import MasterRunner, WorkerRunner

from loadtests.classify import error_class
from loadtests.collector import Collector
from loadtests.distributed import RESULTS_MESSAGE, SETTINGS_MESSAGE, settings_payload
from loadtests.settings import from_environment
from loadtests.shapes import stage_at, stages_for

SETTINGS = from_environment()
STAGES = stages_for(SETTINGS.scenario, SETTINGS.users, SETTINGS.duration_s)
collector = Collector()

if SETTINGS.replay_dir is not None:
    from loadtests.replay import replay_user

    CapturedTraffic = replay_user(SETTINGS, SETTINGS.replay_dir)
elif SETTINGS.locustfile is not None:
    from loadtests.users import load_user_classes, per_path

    # Locust collects the user classes it finds in this module
    globals().update(per_path(load_user_classes(SETTINGS.locustfile), SETTINGS.path_urls))


class ScenarioShape(LoadTestShape):
    """Plays the scenario's stage table, then stops the test."""

    def tick(self) -> tuple[int, float] | None:
        stage = stage_at(STAGES, self.get_run_time())
        return None if stage is None else (stage.users, stage.spawn_rate)


RESULTS_MARGIN_S = 30.0
"""How much longer than its users' stop timeout the master waits for a worker's collector."""
_merged: set[str] = set()


@events.init.add_listener
def _distributed(environment: Environment, **_: Any) -> None:
    runner = environment.runner
    if not isinstance(runner, MasterRunner):
        return
    payload = settings_payload(os.environ)

    def send_settings(environment: Environment, msg: Message, **_: Any) -> None:
        runner.send_message(SETTINGS_MESSAGE, payload, client_id=msg.node_id)

    def merge_results(environment: Environment, msg: Message, **_: Any) -> None:
        if msg.node_id not in _merged:  # exactly once per worker
            _merged.add(msg.node_id)
            collector.merge(msg.data)

    runner.register_message(SETTINGS_MESSAGE, send_settings)
    runner.register_message(RESULTS_MESSAGE, merge_results)


@events.test_start.add_listener
def _reset_clock(**_: Any) -> None:
    collector.reset()


@events.request.add_listener
def _record(
    response_time: float,
    context: dict[str, Any] | None = None,
    response: Any = None,
    **_: Any,
) -> None:
    if not SETTINGS.comparing or response is None:
        return
    headers = response.headers or {}
    target = headers.get("x-strangler-target")
    status = int(response.status_code or 0)
    body = response.content or b""
    init = headers.get("x-strangler-init-duration-ms")
    collector.record(
        path=(context or {}).get("path") or target or "unknown",
        latency_ms=response_time,
        status=status,
        error=error_class(status, body, target, SETTINGS.expected_answers) if status else "other",
        # the function marks its cold responses; a failed cold start only shows Init Duration
        cold_start=headers.get("x-strangler-cold-start") == "1" or init is not None,
        lambda_request_id=headers.get("x-strangler-lambda-request-id"),
        init_ms=float(init) if init else None,
        sandbox_id=headers.get("x-strangler-sandbox-id"),
    )


@events.test_stop.add_listener
def _write_raw(environment: Environment, **_: Any) -> None:
    if not SETTINGS.comparing:
        return
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.send_message(RESULTS_MESSAGE, collector.snapshot())
        # a worker serves one run: done once its results are sent. Locust's worker would sleep
        # out the stop timeout in its message loop after this stop, and the master's ``quit``
        # sent meanwhile is lost with the master: it waited 60 s for a heartbeat instead
        gevent.spawn(runner.quit)
        return
    if isinstance(runner, MasterRunner):
        _wait_for_workers(runner)
    if SETTINGS.raw_dir is not None:
        collector.write(SETTINGS.raw_dir)


def _wait_for_workers(runner: MasterRunner) -> None:
    """Stop every worker and wait for its collector. A headless master that ends the shape
    quits without telling its workers to stop first (it kills its listener half a second after
    sending them ``quit``), so the stop is sent here, while the master still listens."""
    expected = {worker.id for worker in runner.clients.all}
    for worker in expected - _merged:
        runner.server.send_to_client(Message("stop", None, worker))
    with gevent.Timeout((runner.environment.stop_timeout or 0) + RESULTS_MARGIN_S, False):
        while not expected <= _merged:
            gevent.sleep(0.1)
    missing = expected - _merged
    if missing:
        raise RuntimeError(f"no results from Locust workers {sorted(missing)}")
