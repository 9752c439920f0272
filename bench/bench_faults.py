"""The fault suite, longer, with its figures: requests, failures by cause, seconds to recover.

    .venv/bin/python bench/bench_faults.py [--rate 40] [--settle 5] [--outage 10] [--keep DIR]

One local stack (embedded PostgreSQL, gunicorn with 2 workers, the Lambda service, the gateway;
Wild Rydes seeded with 300 unicorns) in a temporary directory, ``POST /rides`` on the
function. Open-loop load through the gateway at --rate requests/s (a quarter each: Lambda read
``GET /unicorns/<name>`` under the route that moves, Lambda write ``POST /rides``, passthrough
read, passthrough write), then, each followed by --settle seconds of load:

1. kill -9 a sandbox; 2. kill -9 a gunicorn worker; 3. restart PostgreSQL; 4. move
   ``/unicorns`` 20 times (10 ``migrate --force``, each followed by a ``rollback``);
   5. hostile requests;
6. a PostgreSQL outage of --outage seconds (issue 12 item 4: 50 req/s, 10 s).

Per fault: requests started in its window, failures by path and cause (the gateway's own answer
or the application's), how many of them no fault explains (``faults.explain``: a request in
flight while the fault was in force, PostgreSQL's outage read from its own log), and seconds
to recover per path: from the fault's end (the database back, the process dead) to the start
of the last failed request of that path in the window. Then the 20 moves' seconds, each.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from strangler.stack.local import LocalStack
from strangler.stack.state import read_state
from tests.strangler import faults
from tests.strangler.stack_config import demo_token, stack_config


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=40.0, help="requests/s (default 40)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after each fault")
    parser.add_argument("--outage", type=float, default=10.0, help="database outage, seconds")
    parser.add_argument("--outage-rate", type=float, default=50.0, help="req/s in the outage")
    parser.add_argument(
        "--keep", type=Path, help="run the stack in this new directory and keep its logs there"
    )
    args = parser.parse_args()
    if args.keep is not None:
        args.keep.mkdir(parents=True)
    with (
        contextlib.nullcontext(str(args.keep))
        if args.keep is not None
        else tempfile.TemporaryDirectory(prefix="bench-faults-")
    ) as tmp:
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
            moves: list[float] = []

            def timed_moves() -> faults.Window:
                start = last = time.monotonic()
                for _ in faults.flip(config, 20):
                    moves.append(time.monotonic() - last)
                    last = time.monotonic()
                return faults.Window(start, last)

            def hostile() -> faults.Window:
                start = time.monotonic()
                faults.hostile_inputs(status["gateway"])
                return faults.Window(start, time.monotonic())

            steps: list[tuple[str, Callable[[], faults.Window]]] = [
                ("kill -9 a sandbox", lambda: faults.kill(faults.sandbox_pids(status)[0])),
                (
                    "kill -9 a gunicorn worker",
                    lambda: faults.kill(faults.gunicorn_workers(status)[0]),
                ),
                ("restart PostgreSQL", lambda: faults.restart_database(config)),
                ("20 route moves", timed_moves),
                ("hostile requests", hostile),
            ]
            windows: list[tuple[str, faults.Window, float]] = []
            load = faults.Load(status["gateway"], token, rate=args.rate).start()
            time.sleep(args.settle)
            for name, inject in steps:
                window = inject()
                time.sleep(args.settle)
                windows.append((name, window, time.monotonic()))
            answers = load.stop()
            load = faults.Load(
                status["gateway"], token, rate=args.outage_rate, first_seq=len(answers) + 1000
            ).start()
            time.sleep(args.settle)
            down = faults.restart_database(config, down_s=args.outage)
            time.sleep(max(args.settle, 30.0))
            outage_answers = load.stop()
            name = f"PostgreSQL down {args.outage:g} s at {args.outage_rate:g} req/s"
            windows_outage = [(name, down, time.monotonic())]
            rows = faults.write_rows(read_state(config)["database"])
        finally:
            stack.down()
    found = faults.Faults(*(window for _, window, _ in windows[:3]))
    report(answers, windows, rows, found)
    never = faults.Window(0.0, 0.0)  # no process is killed in the outage's run
    report(outage_answers, windows_outage, rows, faults.Faults(never, never, windows_outage[0][1]))
    print("seconds per move (migrate, rollback, ...):", " ".join(f"{m:.2f}" for m in moves))
    return 0


def report(
    answers: list[faults.Answer],
    windows: list[tuple[str, faults.Window, float]],
    rows: Counter[int],
    found: faults.Faults,
) -> None:
    print(f"requests: {len(answers)}, unanswered: {sum(1 for a in answers if a.status == 0)}")
    created = {a.seq for a in answers if a.kind == "write-lambda" and a.status == 201}
    doubled = sum(1 for seq in rows if rows[seq] > 1)
    lost = sum(1 for seq in created if rows[seq] != 1)
    print(f"writes answered 201: {len(created)}, lost: {lost}, doubled rows: {doubled}")
    print(
        "| fault | requests | failures by path and cause | unexplained "
        "| seconds to recover (Lambda / monolith) |"
    )
    print("|---|---|---|---|---|")
    examples: dict[str, faults.Answer] = {}
    for name, window, until in windows:
        inside = [a for a in answers if window.start <= a.started < until]
        failed = [a for a in inside if a.status not in (200, 201)]
        causes = Counter(f"{a.target} {faults.cause(a)}" for a in failed)
        unexplained = sum(1 for a in failed if faults.explain(a, found) is None)
        recover = []
        for path in ("lambda", "monolith"):
            last = max((a.started for a in failed if a.target == path), default=None)
            recover.append("0" if last is None else f"{max(0.0, last - window.end):.1f}")
        listed = ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) or "none"
        print(f"| {name} | {len(inside)} | {listed} | {unexplained} | {' / '.join(recover)} |")
        examples.update(
            {c: a for a in failed if (c := f"{a.kind} {faults.cause(a)}") not in examples}
        )
    for label, answer in sorted(examples.items()):
        print(f"  e.g. {label}: {answer.body[:160]!r}")


if __name__ == "__main__":
    raise SystemExit(main())
