"""Preflight for a known scaling event: will Lambda, the database and API Gateway keep up?

``preflight(inputs) -> list[Check]`` is pure arithmetic on the numbers of one event (its peak
requests per second and the function's measured mean duration) against the limits that stand in
the way, each check ``pass``, ``warn`` (above 80% of a limit) or ``fail``:

- **Lambda concurrency**: needed = peak rps x mean duration (s) (Little's law), against the
  function's reserved concurrency and the account's concurrency (default 1,000 per region).
- **Lambda scaling rate**: each function scales by 1,000 new execution environments every 10 s
  (beyond provisioned ones): the time to reach the needed concurrency from the warm ones.
- **Database connections**: one per sandbox (the container-lifetime connection policy) plus the
  monolith fleet's, against PostgreSQL's ``max_connections`` less superuser-reserved slots; RDS's
  default ``LEAST(DBInstanceClassMemory/9531392, 5000)`` when only the instance class is known.
- **API Gateway** account throttle (10,000 rps steady, 5,000 burst per region by default), the
  stage's default route throttle and per-route throttles.

Inputs come from strangler.toml and a run's report.json (``inputs_from_config``), or from the
live account (``inputs_from_aws``, best effort). ``exit_code``: 0 all pass, 1 a warning, 2 a
failure. Numbers and formulas: docs/aws.md.

Modules: ``model`` (inputs, checks, the error), ``limits`` (the limits and their arithmetic),
``checks`` (pure: inputs -> checks), ``gather`` (inputs from config, a report or the account:
the only I/O), ``render`` (the pass / warn / fail table).
"""
