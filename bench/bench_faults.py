"""The fault suite, longer, with its figures: requests, failures by cause, seconds to recover.

    .venv/bin/python bench/bench_faults.py [--rate 40] [--settle 5] [--outage 10]

One local stack (embedded PostgreSQL, gunicorn with 2 workers, the Lambda service, the gateway;
Wild Rydes seeded with 300 unicorns) in a temporary directory, ``POST /rides`` on the
function. Open-loop load through the gateway at --rate requests/s (a quarter each: Lambda read
``GET /unicorns/<name>`` under the route that moves, Lambda write ``POST /rides``, passthrough
read, passthrough write), then, each followed by --settle seconds of load:

1. kill -9 a sandbox; 2. kill -9 a gunicorn worker; 3. restart PostgreSQL; 4. move
   ``/unicorns`` 20 times (one migrate --force, then flips of the route table, each back
   with rollback); 5. hostile requests;
6. a PostgreSQL outage of --outage seconds (issue 12 item 4: 50 req/s, 10 s).

Per fault: requests started in its window, failures by path and cause (the gateway's own answer
or the application's), and seconds to recover per path: from the fault's end (the database
back, the process killed) to the start of the last failed request of that path in the window.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strangler.stack.database import database_provider
from strangler.stack.local import LocalStack
from strangler.stack.state import read_state
from tests.strangler import faults
from tests.strangler.stack_config import demo_token, stack_config


def outage(config: object, seconds: float) -> Callable[[], float]:
    def inject() -> float:
        provider = database_provider(config)  # type: ignore[arg-type]
        provider.stop()
        time.sleep(seconds)
        provider.start()
        return time.monotonic()

    return inject


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="requests/s (default 40)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after each fault")
    parser.add_argument("--outage", type=float, default=10.0, help="database outage, seconds")
    parser.add_argument("--outage-rate", type=float, default=50.0, help="req/s in the outage")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-faults-") as tmp:
        config = stack_config(
            Path(tmp),
            unicorns=300,
            riders=2,
            monolith="port = 0\nworkers = 2\nthreads = 4",
            with_function=True,
        )
        stack = LocalStack(config)
        try:
            status = stack.up()
            token = demo_token(config)
            faults.move_route(config, faults.WRITE_ROUTE, "wildrydes")
            faults.wait_for(
                lambda: (
                    faults.request(
                        status["gateway"], "POST", "/rides", token, b'{"lat":0,"lng":0}'
                    )[1]
                    == "lambda"
                ),
                30,
            )
            steps: list[tuple[str, Callable[[], object]]] = [
                ("kill -9 a sandbox", lambda: faults.kill(faults.sandbox_pids(status)[0])),
                (
                    "kill -9 a gunicorn worker",
                    lambda: faults.kill(faults.gunicorn_workers(status)[0]),
                ),
                ("restart PostgreSQL", lambda: faults.restart_database(config)),
                ("20 route moves", lambda: faults.flip(config, 20, "wildrydes")),
                ("hostile requests", lambda: faults.hostile_inputs(status["gateway"])),
            ]
            windows: list[tuple[str, float, float, float]] = []
            load = faults.Load(status["gateway"], token, rate=args.rate).start()
            time.sleep(args.settle)
            for name, inject in steps:
                start = time.monotonic()
                inject()
                end = time.monotonic()
                time.sleep(args.settle)
                windows.append((name, start, end, time.monotonic()))
            answers = load.stop()
            load = faults.Load(
                status["gateway"], token, rate=args.outage_rate, first_seq=len(answers) + 1000
            ).start()
            time.sleep(args.settle)
            start = time.monotonic()
            end = outage(config, args.outage)()
            time.sleep(max(args.settle, 30.0))
            outage_answers = load.stop()
            name = f"PostgreSQL down {args.outage:g} s at {args.outage_rate:g} req/s"
            windows_outage = [(name, start, end, time.monotonic())]
            rows = faults.write_rows(read_state(config)["database"])
        finally:
            stack.down()
    report(answers, windows, rows)
    report(outage_answers, windows_outage, rows)
    return 0


def report(
    answers: list[faults.Answer], windows: list[tuple[str, float, float, float]], rows: Counter[int]
) -> None:
    print(f"requests: {len(answers)}, unanswered: {sum(1 for a in answers if a.status == 0)}")
    created = {a.seq for a in answers if a.kind == "write-lambda" and a.status == 201}
    doubled = sum(1 for seq in rows if rows[seq] > 1)
    lost = sum(1 for seq in created if rows[seq] != 1)
    print(f"writes answered 201: {len(created)}, lost: {lost}, doubled rows: {doubled}")
    print(
        "| fault | requests | failures by path and cause | seconds to recover (Lambda / monolith) |"
    )
    print("|---|---|---|---|")
    examples: dict[str, faults.Answer] = {}
    for name, start, end, until in windows:
        inside = [a for a in answers if start <= a.started < until]
        failed = [a for a in inside if a.status not in (200, 201)]
        causes = Counter(f"{a.kind.split('-')[1]} {faults.cause(a)}" for a in failed)
        recover = []
        for path in ("lambda", "monolith"):
            last = max((a.started for a in failed if a.kind.endswith(path)), default=None)
            recover.append("0" if last is None else f"{max(0.0, last - end):.1f}")
        listed = ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) or "none"
        print(f"| {name} | {len(inside)} | {listed} | {' / '.join(recover)} |")
        examples.update(
            {c: a for a in failed if (c := f"{a.kind} {faults.cause(a)}") not in examples}
        )
    for label, answer in sorted(examples.items()):
        print(f"  e.g. {label}: {answer.body[:160]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
