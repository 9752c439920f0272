"""Load from more than one machine: Locust's distributed mode, with the harness's settings and
results carried over Locust's own master-worker channel (its custom messages).

The master (``strangler compare``/``loadtest --expect-workers N``) runs no users. A worker
(``strangler worker --master-host HOST``) first asks the master for the run's settings: its
``STRANGLER_LT_*`` environment, the variables the project profile's journeys read, the user's
Locust file and the captured requests to replay, so every worker runs exactly what the master
would. At the end each worker sends its collector's snapshot and the master merges them: HDR
histograms are added, counters summed, so every percentile is that of all the requests, never
an average of the workers' percentiles.

The channel is Locust's plain ZeroMQ socket: the settings carry the load's credentials (the
replayed requests' own headers), so workers and master belong on a trusted network, as Locust's
own documentation assumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from loadtests import settings as lt
from strangler_core.traffic import capture_files

SETTINGS_MESSAGE = "strangler_settings"
RESULTS_MESSAGE = "strangler_results"
FORWARDED = "STRANGLER_LT_FORWARDED"
"""Names of the profile's variables (beyond ``STRANGLER_LT_*``) that workers need too."""
_LOCAL_ONLY = (lt.RAW_DIR, lt.LOCUSTFILE, lt.REPLAY_DIR)


def settings_payload(env: Mapping[str, str]) -> dict[str, Any]:
    """What a worker needs to run the master's load (read in the master's Locust process)."""
    forwarded = {name for name in env.get(FORWARDED, "").split(",") if name}
    variables = {
        name: value
        for name, value in env.items()
        if (name.startswith("STRANGLER_LT_") or name in forwarded) and name not in _LOCAL_ONLY
    }
    payload: dict[str, Any] = {"env": variables, "locustfile": None, "replay": None}
    if env.get(lt.LOCUSTFILE):
        path = Path(env[lt.LOCUSTFILE])
        payload["locustfile"] = {"name": path.name, "source": path.read_text(encoding="utf-8")}
    if env.get(lt.REPLAY_DIR):
        directory = Path(env[lt.REPLAY_DIR])
        payload["replay"] = {
            str(path.relative_to(directory)): path.read_text(encoding="utf-8")
            for path in capture_files(directory)
        }
    return payload


def worker_environment(payload: Mapping[str, Any], work_dir: Path) -> dict[str, str]:
    """The worker's Locust variables from the master's ``payload``; its files under ``work_dir``
    (0700: the replayed requests carry credentials)."""
    work_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = dict(payload["env"])
    if payload["locustfile"] is not None:
        path = work_dir / "locustfile" / payload["locustfile"]["name"]
        path.parent.mkdir(exist_ok=True)
        path.write_text(payload["locustfile"]["source"], encoding="utf-8")
        env[lt.LOCUSTFILE] = str(path)
    if payload["replay"] is not None:
        directory = work_dir / "replay"
        for name, text in payload["replay"].items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            target.write_text(text, encoding="utf-8")
            target.chmod(0o600)
        env[lt.REPLAY_DIR] = str(directory)
    return env


def forwarded_names(profile_environment: Mapping[str, str]) -> dict[str, str]:
    """The ``FORWARDED`` variable for the Locust master: the profile's names to pass on."""
    names = sorted(name for name in profile_environment if not name.startswith("STRANGLER_LT_"))
    return {FORWARDED: ",".join(names)}
