"""Shared by the Lambda service's end-to-end tests: boto3's client for the Invoke API, and the
service as its own process (``python -m infra.local.lambda_service --config FILE``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[4]

StartService = Callable[[Path], tuple[subprocess.Popen[str], str]]
"""Starts the service from a config file; the process and the URL it serves at."""


def lambda_client(url: str, key: str = "x", secret: str = "x", region: str = "us-east-1") -> Any:
    """boto3's Lambda client for ``url``; one attempt a call, so a test sees each answer."""
    return boto3.client(
        "lambda",
        endpoint_url=url,
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1}),
    )


@pytest.fixture
def start_service() -> Iterator[StartService]:
    """Starts service processes that are stopped (SIGTERM) after the test if still running."""
    started: list[subprocess.Popen[str]] = []

    def start(config: Path) -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.lambda_service", "--config", str(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "ready at" in line, line
        return process, line.split("ready at ")[1].split()[0]

    try:
        yield start
    finally:
        for process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
