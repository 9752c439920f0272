"""Tracing in the monolith's settings: off installs and imports nothing; on adds the SDK."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import json, sys; from monolith import settings as s; "
    "print(json.dumps({'tracing': s.TRACING, 'middleware': s.MIDDLEWARE, "
    "'apps': s.INSTALLED_APPS, 'sdk': 'aws_xray_sdk' in sys.modules, "
    "'recorder': {k: str(v) for k, v in getattr(s, 'XRAY_RECORDER', {}).items()}}))"
)


def probe(**env: str) -> dict[str, object]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("STRANGLER_TRACING")}
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={**base, "PYTHONPATH": str(REPO_ROOT), **env},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out))


def test_tracing_off_by_default_adds_and_imports_nothing() -> None:
    result = probe()
    assert result["tracing"] is False and result["sdk"] is False
    assert not any("xray" in m.lower() for m in result["middleware"])  # type: ignore[attr-defined]
    assert not any("xray" in a.lower() for a in result["apps"])  # type: ignore[attr-defined]


def test_tracing_on_adds_the_sdk_middleware_first() -> None:
    result = probe(STRANGLER_TRACING="1", STRANGLER_TRACING_SAMPLE_RATE="0.25")
    assert result["tracing"] is True
    assert result["middleware"][0] == "aws_xray_sdk.ext.django.middleware.XRayMiddleware"  # type: ignore[index]
    assert result["apps"][0] == "aws_xray_sdk.ext.django"  # type: ignore[index]
    recorder = result["recorder"]
    assert recorder["AWS_XRAY_TRACING_NAME"] == "wildrydes"  # type: ignore[index]
    assert recorder["AUTO_INSTRUMENT"] == "True"  # type: ignore[index]
