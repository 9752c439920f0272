"""Asynchronous (``Event``) invocations end to end: the service as its own process, real
sandboxes, the queue on disk, the on-failure destination (local, or SQS on moto's server).

AWS's rules checked here: Lambda guide, "How Lambda handles errors and retries with
asynchronous invocation" (function errors: two more tries, after 1 and 2 minutes; throttles
and system errors: back in the queue with an exponential wait from 1 s up to 5 minutes, until
the maximum event age) and "Capturing records of Lambda asynchronous invocations" (the
on-failure invocation record: requestContext, requestPayload, responseContext,
responsePayload).
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local.lambda_service import FunctionSpec, LambdaService, ServiceSettings
from infra.local.lambda_service.destinations import LocalDeadLetters
from infra.local.lambda_service.event_queue import new_event, spool
from infra.local.lambda_service.service import DEAD_LETTERS, QUEUE
from infra.local.lambda_service.spec import ServiceConfig
from tests.infra.local.lambda_service.conftest import StartService, lambda_client

pytestmark = [pytest.mark.stack, pytest.mark.timeout(120)]

EVENTS = 600
PAD = 200 * 1024  # per event: 600 of them are 120 MB, which memory must never hold
SCALE = 0.01  # AWS's 1 and 2 minutes become 0.6 and 1.2 s; 6 hours, 216 s

HANDLERS = textwrap.dedent(
    """
    import os
    from pathlib import Path

    def flaky(event, context):
        i = event["id"]
        tries = Path(os.environ["TRIES_DIR"]) / str(i)
        with open(tries, "a") as f:
            f.write(context.aws_request_id + "\\n")
        if i % 10 == 0:
            raise ValueError(f"injected failure of {i}")
        if i % 10 == 1 and len(tries.read_text().splitlines()) == 1:
            raise ValueError(f"first try of {i}")
        with open(os.environ["DONE_FILE"], "a") as f:
            f.write(f"{i}\\n")
        return {"id": i}

    def fails(event, context):
        raise RuntimeError(f"no luck for {event['id']}")
    """
)


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _wait_until(condition: Any, what: str, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "handlers.py").write_text(HANDLERS)
    return code


def _settings(tmp_path: Path, **kwargs: Any) -> ServiceSettings:
    """Logs, queue and dead letters under ``tmp_path``; AWS's waits at ``SCALE``."""
    return ServiceSettings(
        log_dir=str(tmp_path / "logs"),
        async_dir=str(tmp_path / "async"),
        async_time_scale=SCALE,
        **kwargs,
    )


@pytest.fixture
def service_process(
    code_dir: Path, tmp_path: Path, start_service: StartService
) -> tuple[subprocess.Popen[str], str]:
    (tmp_path / "tries").mkdir()
    function = FunctionSpec(
        name="flaky",
        handler="handlers.flaky",
        code_paths=(str(code_dir),),
        reserved_concurrency=4,  # fewer than the workers: throttles happen and are retried
        environment={"TRIES_DIR": str(tmp_path / "tries"), "DONE_FILE": str(tmp_path / "done")},
    )
    config = tmp_path / "service.json"
    config.write_text(
        ServiceConfig(settings=_settings(tmp_path), functions=(function,)).model_dump_json()
    )
    return start_service(config)


def test_600_events_each_accounted_for_once_with_memory_flat(
    service_process: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    """Every 10th event always fails: three runs (the first and AWS's two retries), then the
    local dead-letter queue with AWS's invocation record; every 10th+1 fails once and succeeds
    on its retry, with the same request id; the rest succeed; throttles (reserved concurrency
    4) are retried. The service's RSS stays flat while 120 MB of payloads pass through it."""
    process, url = service_process
    client = lambda_client(url)
    baseline = _rss_kb(process.pid)
    peak = baseline
    sampling = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not sampling.is_set():
            peak = max(peak, _rss_kb(process.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    pad = "x" * PAD

    def send(i: int) -> str:
        payload = json.dumps({"id": i, "pad": pad}).encode()
        response = client.invoke(FunctionName="flaky", InvocationType="Event", Payload=payload)
        assert response["StatusCode"] == 202
        return str(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"])

    try:
        with ThreadPoolExecutor(4) as pool:
            request_ids = dict(zip(range(EVENTS), pool.map(send, range(EVENTS)), strict=True))
        dead_letters = LocalDeadLetters(tmp_path / "async" / DEAD_LETTERS)
        done_file = tmp_path / "done"

        def accounted() -> int:
            done = len(done_file.read_text().split()) if done_file.exists() else 0
            return done + len(dead_letters.letters())

        _wait_until(lambda: accounted() >= EVENTS, "every event to finish")
    finally:
        sampling.set()
        sampler.join()
    succeeded = Counter(int(i) for i in done_file.read_text().split())
    failed = Counter(letter.record["requestPayload"]["id"] for letter in dead_letters.letters())
    assert set(succeeded.values()) == {1} and set(failed.values()) == {1}  # once each
    assert set(failed) == {i for i in range(EVENTS) if i % 10 == 0}
    assert set(succeeded) == set(range(EVENTS)) - set(failed)
    for letter in dead_letters.letters():
        record, i = letter.record, letter.record["requestPayload"]["id"]
        assert record["version"] == "1.0"
        assert record["requestContext"] == {
            "requestId": request_ids[i],
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:flaky:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        }
        assert record["requestPayload"] == {"id": i, "pad": pad}
        assert record["responseContext"] == {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        }
        assert record["responsePayload"]["errorType"] == "ValueError"
        assert record["responsePayload"]["errorMessage"] == f"injected failure of {i}"
    for i in range(1, EVENTS, 10):  # retried once, under the same request id
        tries = (tmp_path / "tries" / str(i)).read_text().split()
        assert tries == [request_ids[i], request_ids[i]]
    queue = tmp_path / "async" / QUEUE
    _wait_until(lambda: not any(queue.glob("*.json")), "the queue to empty")
    metrics = json.loads(_get(url + "/strangler/metrics"))["async"]
    assert metrics["accepted"] == EVENTS and metrics["succeeded"] == EVENTS - len(failed)
    assert metrics["throttled"] > 0 and metrics["pending"] == 0
    assert peak - baseline < 40 * 1024, f"RSS grew {(peak - baseline) // 1024} MB"


def _get(url: str) -> bytes:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return bytes(response.read())


def _fails(code_dir: Path, **kwargs: Any) -> FunctionSpec:
    return FunctionSpec(
        name="fails", handler="handlers.fails", code_paths=(str(code_dir),), **kwargs
    )


def test_events_left_in_the_queue_run_after_a_restart(code_dir: Path, tmp_path: Path) -> None:
    """The queue is the spool directory: events a stopped service (or another process) left
    there run when the service starts again; with max_retry_attempts=0 a failure goes to the
    dead-letter queue after one run."""
    queue = tmp_path / "async" / QUEUE
    for i in range(5):
        spool(queue, new_event("fails", json.dumps({"id": i}).encode()))
    settings = _settings(tmp_path)
    dead_letters = LocalDeadLetters(tmp_path / "async" / DEAD_LETTERS)
    with LambdaService(settings, [_fails(code_dir, max_retry_attempts=0)]):
        _wait_until(lambda: len(dead_letters.letters()) == 5, "five dead letters")
    records = [letter.record for letter in dead_letters.letters()]
    assert sorted(r["requestPayload"]["id"] for r in records) == [0, 1, 2, 3, 4]
    assert {r["requestContext"]["approximateInvokeCount"] for r in records} == {1}
    assert not any(queue.glob("*.json"))


def test_on_failure_sqs_queue_gets_the_invocation_record(
    code_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An on_failure SQS queue (moto's server standing in for SQS) gets AWS's record."""
    from moto.server import ThreadedMotoServer

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        sqs = boto3.client("sqs", region_name="us-east-1", endpoint_url=endpoint)
        queue_url = sqs.create_queue(QueueName="failures")["QueueUrl"]
        settings = ServiceSettings(
            log_dir=str(tmp_path / "logs"), sqs_endpoint_url=endpoint, async_time_scale=SCALE
        )
        function = _fails(
            code_dir,
            max_retry_attempts=1,
            on_failure="arn:aws:sqs:us-east-1:123456789012:failures",
        )
        with LambdaService(settings, [function]) as service:
            accepted = lambda_client(service.url).invoke(
                FunctionName="fails", InvocationType="Event", Payload=b'{"id": 7}'
            )
            request_id = accepted["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]
            messages: list[dict[str, Any]] = []

            def received() -> bool:
                answer = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1)
                messages.extend(answer.get("Messages", []))
                return bool(messages)

            _wait_until(received, "the record in SQS")
    finally:
        server.stop()
    record = json.loads(messages[0]["Body"])
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestPayload"] == {"id": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorMessage"] == "no luck for 7"
