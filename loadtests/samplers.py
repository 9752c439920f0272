"""Background sampling during a run: Lambda service metrics and database connections per path.

One thread, one sample a second; rows are appended to a list the runner writes at the end
(a run of an hour is 7,200 small rows).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import psycopg

SAMPLE_INTERVAL_S = 1.0


def lambda_sample(metrics: dict[str, Any], function: str) -> dict[str, Any]:
    """The row for one function out of the service's /strangler/metrics document (pure)."""
    fn = metrics.get("functions", {}).get(function, {})
    sandboxes = fn.get("sandboxes", {})
    throttles = fn.get("throttles", 0)
    return {
        "kind": "lambda",
        "concurrent_executions": fn.get("concurrent_executions", 0),
        "sandboxes_warm": sandboxes.get("warm", 0),
        "sandboxes_busy": sandboxes.get("busy", 0),
        "throttles": sum(throttles.values()) if isinstance(throttles, dict) else throttles,
        "cold_starts": fn.get("cold_starts", 0),
    }


DB_QUERY = """
SELECT count(*) FILTER (WHERE application_name = 'monolith'),
       count(*) FILTER (WHERE application_name LIKE 'lambda:%%'),
       count(*)
FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()
"""


class Sampler:
    def __init__(self, *, lambda_url: str, function: str, database_url: str) -> None:
        self.lambda_url = lambda_url
        self.function = function
        self.database_url = database_url
        self.rows: list[dict[str, Any]] = []
        self.started = time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sampler", daemon=True)

    def start(self) -> Sampler:
        self.started = time.time()
        self._thread.start()
        return self

    def stop(self) -> list[dict[str, Any]]:
        self._stop.set()
        self._thread.join(timeout=10)
        return self.rows

    def latest(self, kind: str) -> dict[str, Any]:
        return next((row for row in reversed(self.rows) if row["kind"] == kind), {})

    def _run(self) -> None:
        with psycopg.connect(self.database_url, autocommit=True, application_name="sampler") as db:
            while not self._stop.is_set():
                t = round(time.time() - self.started, 3)
                try:
                    url = f"{self.lambda_url}/strangler/metrics"
                    with urllib.request.urlopen(url, timeout=5) as response:
                        metrics = json.loads(response.read())
                except (OSError, ValueError):
                    pass  # a missed sample is a gap in the plot, not a failed run
                else:
                    self.rows.append({"t": t, **lambda_sample(metrics, self.function)})
                row = db.execute(DB_QUERY).fetchone()
                if row is not None:
                    monolith, lam, total = row
                    self.rows.append(
                        {"t": t, "kind": "db", "monolith": monolith, "lambda": lam, "total": total}
                    )
                self._stop.wait(SAMPLE_INTERVAL_S)
