"""Captured traffic as Locust's users: the route's requests replayed on both paths in turn.

Each user goes through the captured requests (from a random place, so users do not march in
step), sending each as the client did: method, raw target, its own headers (the user's own
cookies or tokens) and body, one request per task, paced like the journeys (open model: a
steady rate per user). Requests alternate between the paths, each tagged with the one asked.
Redirects are answers to measure, not followed; cookies the answers set are not kept, so every
request carries exactly the credentials it was captured with.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant_throughput, task

from loadtests.resend import Replayed, replayed
from loadtests.settings import LoadSettings
from strangler_core.traffic import read_captured


def wait_time_for(settings: LoadSettings) -> Callable[[Any], float]:
    if settings.load_model == "open":
        # each user paces itself: arrivals stay steady when responses slow down
        return constant_throughput(settings.per_user_rps)
    return between(0.5, 1.5)


def replay_user(settings: LoadSettings, directory: Path) -> type[FastHttpUser]:
    """A user class replaying the captured requests in ``directory`` on ``settings``' paths."""
    requests = replayed(read_captured(directory))
    if not requests:
        raise ValueError(f"no captured requests to replay in {directory}")
    paths = sorted(settings.path_urls.items())

    class CapturedTraffic(FastHttpUser):
        wait_time = wait_time_for(settings)
        host = paths[0][1] if paths else None

        def on_start(self) -> None:
            start = random.randrange(len(requests))
            self._requests: Iterator[Replayed] = itertools.islice(
                itertools.cycle(requests), start, None
            )
            self._paths: Iterator[tuple[str, str]] = itertools.cycle(paths or [("", "")])

        @task
        def replay(self) -> None:
            request = next(self._requests)
            path, base = next(self._paths)
            self.client.cookiejar.clear()
            self.client.request(
                request.method,
                base + request.target,
                name=f"{path} {request.method} {request.target.split('?', 1)[0]}".strip(),
                headers=request.headers,
                # bytes as captured; geventhttpclient sends them as they are (the stub says str)
                data=request.body or None,  # type: ignore[arg-type]
                allow_redirects=False,
                context={"path": path} if path else {},
            )

    return CapturedTraffic
