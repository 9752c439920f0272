"""Every ``[lambda]`` and ``[[functions]]`` setting reaches the Lambda service's own process.

The stack writes one ``ServiceConfig`` file (``lambda_service_argv``) and the service child
validates it with the same model. Here every setting differs from its default; the child,
started exactly as ``strangler up`` starts it, prints what it runs with (``--print-config``)
and answers GetFunction, so a setting dropped on the way fails the test.
"""

from __future__ import annotations

import json
import socket
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from infra.local.lambda_service.spec import FunctionSpec, ServiceSettings
from strangler.stack.functions import SERVERLESS_ROOT
from strangler.stack.lambda_key import invoke_credentials
from strangler.stack.launch import lambda_service_argv
from strangler_core.config import Config, load_config

REPO_ROOT = Path(__file__).resolve().parents[3]
DATABASE_URL = "postgresql://probe@127.0.0.1:1/unused"
HANDLER = (
    "from django.core.asgi import get_asgi_application\n"
    "application = get_asgi_application()\n"
    "def handler(event, context):\n    return {'statusCode': 200, 'body': 'probe'}\n"
)
SETTINGS = 'SECRET_KEY = "probe"\nROOT_URLCONF = "probe_urls"\nINSTALLED_APPS = []\n'
URLS = "urlpatterns = []\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    # a real (tiny) Django project: the stack imports it to find the code its function ships
    (project / "probe.py").write_text(HANDLER)
    (project / "probe_settings.py").write_text(SETTINGS)
    (project / "probe_urls.py").write_text(URLS)
    path = tmp_path / "strangler.toml"
    path.write_text(
        f"""
[project]
run_dir = "{tmp_path / "run"}"
[django]
path = "project"
settings = "probe_settings"
asgi = "probe:application"
[lambda]
host = "localhost"
port = 9
region = "eu-west-1"
account_concurrency = 40
scale_limit_per_10s = 7
idle_timeout_s = 120.5
init_timeout_s = 9.5
enforce_limits = "off"
sqs_endpoint_url = "http://127.0.0.1:9"
async_time_scale = 0.5
start_timeout_s = 12.0
[tracing]
enabled = true
sample_rate = 0.25
port = 2999
[[functions]]
name = "probe"
handler = "probe.handler"
memory_mb = 256
timeout_s = 12.5
reserved_concurrency = 3
provisioned_concurrency = 1
architecture = "arm64"
max_retry_attempts = 1
max_event_age_s = 3600
on_failure = "arn:aws:sqs:eu-west-1:123456789012:probe-failures"
[functions.environment]
PROBE = "on"
"""
    )
    return path


def assert_nothing_at_its_default(model: type[Any], values: dict[str, Any]) -> None:
    """A field added to the models later must be given a value here too."""
    for name, field in model.model_fields.items():
        if not field.is_required():
            default = field.get_default(call_default_factory=True)
            assert values[name] != default, f"{model.__name__}.{name} is left at {default!r}"


def _get_function(config: Config, port: int) -> Any:
    """GetFunction's JSON as sent, signed with the run directory's key (botocore's signer)."""
    key = invoke_credentials(config)
    url = f"http://localhost:{port}/2015-03-31/functions/probe"
    request = AWSRequest(method="GET", url=url)
    credentials = Credentials(key.access_key_id, key.secret_access_key)
    SigV4Auth(credentials, "lambda", config.lambda_service.region).add_auth(request)
    signed = urllib.request.Request(url, headers=dict(request.headers.items()))
    with urllib.request.urlopen(signed, timeout=10) as response:
        return json.load(response)


def test_every_service_and_function_setting_reaches_the_child(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path), environ={})
    config.run_dir.mkdir()
    port = free_port()
    argv = lambda_service_argv(config, port, DATABASE_URL)
    with (tmp_path / "stderr.log").open("w") as stderr:
        child = subprocess.Popen(
            [*argv, "--print-config"],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
        try:
            assert child.stdout is not None
            printed = child.stdout.readline()
            ready = child.stdout.readline()
            assert ready.startswith(f"lambda service ready at http://localhost:{port}"), (
                printed + ready + (tmp_path / "stderr.log").read_text()
            )
            described = _get_function(config, port)
        finally:
            child.terminate()
            child.wait(30)

    running = json.loads(printed)
    assert running["settings"] == {
        "host": "localhost",
        "region": "eu-west-1",
        "account_concurrency": 40,
        "scale_limit_per_10s": 7,
        "idle_timeout_s": 120.5,
        "init_timeout_s": 9.5,
        "enforce_limits": "off",
        "sqs_endpoint_url": "http://127.0.0.1:9",
        "async_time_scale": 0.5,
        "port": port,
        "log_dir": str(tmp_path / "run" / "lambda-logs"),
        "async_dir": str(tmp_path / "run" / "lambda-async"),
        "xray_daemon_address": "127.0.0.1:2999",
        "trace_sample_rate": 0.25,
        # the secret stays in the 0600 file the service read
        "credentials": {"access_key_id": invoke_credentials(config).access_key_id},
    }
    (function,) = running["functions"]
    assert function == {
        "name": "probe",
        "handler": "probe.handler",
        "memory_mb": 256,
        "timeout_s": 12.5,
        "reserved_concurrency": 3,
        "provisioned_concurrency": 1,
        "architecture": "arm64",
        "max_retry_attempts": 1,
        "max_event_age_s": 3600,
        "on_failure": "arn:aws:sqs:eu-west-1:123456789012:probe-failures",
        "environment": {
            "DJANGO_SETTINGS_MODULE": "probe_settings",
            "STRANGLER_DJANGO_ASGI": "probe:application",
            "DATABASE_URL": DATABASE_URL,
            "STRANGLER_TRACING": "1",
            "STRANGLER_TRACING_SAMPLE_RATE": "0.25",
            "PROBE": "on",
        },
        "code_paths": function["code_paths"],
    }
    staged, serverless_root = (Path(p) for p in function["code_paths"])
    assert serverless_root == SERVERLESS_ROOT
    assert staged.parent == tmp_path / "run"
    shipped = sorted(p.name for p in staged.iterdir() if p.name != "__pycache__")
    assert shipped == [
        "probe.py",
        "probe_settings.py",
        "probe_urls.py",
    ]
    assert_nothing_at_its_default(ServiceSettings, running["settings"])
    assert_nothing_at_its_default(FunctionSpec, function)

    configuration = described["Configuration"]
    assert configuration["FunctionArn"] == "arn:aws:lambda:eu-west-1:123456789012:function:probe"
    assert (configuration["Handler"], configuration["MemorySize"]) == ("probe.handler", 256)
    assert (configuration["Timeout"], configuration["Architectures"]) == (12.5, ["arm64"])
    assert configuration["Environment"]["Variables"]["PROBE"] == "on"
    assert described["Concurrency"] == {"ReservedConcurrentExecutions": 3}
