"""Serve a sandbox account in its own process and take control commands on stdin.

The benchmark runs the sandbox here so that generating and serving the data never adds
to the memory or CPU time of the process being measured. Start it with the account size
as options; once the server accepts requests it prints one JSON line::

    {"event": "started", "base_url": "http://127.0.0.1:PORT/api/v1", "counts": {...}}

Then every line on stdin is one JSON command, and each reply is one JSON line on stdout:

    {"command": "change", "fraction": 0.01, "seed": 1}   touch that share of the records
    {"command": "advance", "seconds": 120}               move the sandbox clock forward
    {"command": "plan", "latency": 0.05, "rate": 20, "burst": 1}   set latency, rate limit
    {"command": "stats"}                                 requests by route and status
    {"command": "reset_stats"}
    {"command": "usage"}                                 this process's CPU time and RSS
    {"command": "quit"}

End of input has the same effect as ``quit``. The API key comes from the environment
variable ``BENCHMARK_API_KEY`` so that it does not show in the process list.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import random
import resource
import signal
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.harness import API_KEY_VARIABLE
from pipelines.sandbox import FaultPlan, RateLimit, Sandbox, SandboxConfig, serve

logger = logging.getLogger("benchmarks.sandbox_process")

CHANGED_TYPES = ("jobs", "candidates", "applications", "interviews")
"""Record types that the ``change`` command touches; users have no ``updated_at`` filter."""
COUNTED_TYPES = ("users", "jobs", "candidates", "applications", "interviews", "stages", "questions")
_output_lock = threading.Lock()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=42, help="seed of the generated data")
    parser.add_argument("--jobs", type=int, required=True, help="number of jobs")
    parser.add_argument("--candidates", type=int, required=True, help="number of candidates")
    parser.add_argument("--applications", type=int, required=True, help="number of applications")
    parser.add_argument("--users", type=int, required=True, help="number of users")
    parser.add_argument(
        "--history-end-minutes",
        type=float,
        default=60.0,
        help="minutes before now at which the generated history ends (default 60), so "
        "that no record lies inside the connector's 30 s window lag",
    )
    arguments = parser.parse_args()
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING)

    api_key = os.environ.get(API_KEY_VARIABLE)
    if not api_key:
        parser.error(f"the environment variable {API_KEY_VARIABLE} is missing or empty")
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(
        minutes=arguments.history_end_minutes
    )
    config = SandboxConfig(
        seed=arguments.seed,
        jobs=arguments.jobs,
        candidates=arguments.candidates,
        applications=arguments.applications,
        users=arguments.users,
        anchor=anchor,
    )
    started = time.perf_counter()

    def on_started(sandbox: Sandbox) -> None:
        _write(
            {
                "event": "started",
                "base_url": sandbox.base_url,
                "counts": {name: sandbox.store.count(name) for name in COUNTED_TYPES},
                "generate_seconds": round(time.perf_counter() - started, 3),
            }
        )
        reader = threading.Thread(
            target=_read_commands, args=(sandbox,), name="benchmark-commands", daemon=True
        )
        reader.start()

    serve(config, api_key=api_key, host="127.0.0.1", port=0, on_started=on_started)
    return 0


def _read_commands(sandbox: Sandbox) -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            command = json.loads(line)
            if command.get("command") == "quit":
                break
            reply = {"ok": True, **_run_command(sandbox, command)}
        except Exception as error:  # reported to the parent, which decides what to do
            logger.exception("Benchmark command failed: %s", line.strip())
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        _write(reply)
    # uvicorn stops gracefully on SIGINT, and serve() then returns.
    os.kill(os.getpid(), signal.SIGINT)


def _run_command(sandbox: Sandbox, command: dict[str, Any]) -> dict[str, Any]:
    name = command.get("command")
    if name == "change":
        return {"changed": _touch_share(sandbox, float(command["fraction"]), command.get("seed"))}
    if name == "advance":
        now = sandbox.clock.advance(float(command["seconds"]))
        return {"now": now.isoformat()}
    if name == "plan":
        sandbox.faults.set_plan(_fault_plan(command))
        return {}
    if name == "stats":
        routes = sandbox.stats.by_route()
        return {
            "total": sandbox.stats.total,
            "by_route": {
                route: {str(status): count for status, count in statuses.items()}
                for route, statuses in routes.items()
            },
        }
    if name == "reset_stats":
        sandbox.stats.reset()
        return {}
    if name == "usage":
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return {
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            # macOS reports ru_maxrss in bytes, Linux in KiB.
            "max_rss_bytes": usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024),
        }
    raise ValueError(f"unknown command {name!r}")


def _touch_share(sandbox: Sandbox, fraction: float, seed: Any) -> dict[str, int]:
    """Set ``updated_at`` to the sandbox clock on a random share of each changed type.

    At least one record of each non-empty type is touched, so a tiny account still has a
    delta to read.
    """
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    generator = random.Random(seed)
    changed: dict[str, int] = {}
    for type_name in CHANGED_TYPES:
        ids = [record.id for record in sandbox.store.records(type_name)]
        if not ids:
            changed[type_name] = 0
            continue
        chosen = generator.sample(ids, max(1, math.ceil(len(ids) * fraction)))
        for record_id in chosen:
            sandbox.store.touch(type_name, record_id)
        changed[type_name] = len(chosen)
    return changed


def _fault_plan(command: dict[str, Any]) -> FaultPlan:
    rate = command.get("rate")
    rate_limit = RateLimit(float(rate), int(command.get("burst", 1))) if rate else None
    return FaultPlan(latency_seconds=float(command.get("latency", 0.0)), rate_limit=rate_limit)


def _write(message: dict[str, Any]) -> None:
    with _output_lock:
        sys.stdout.write(json.dumps(message, default=str) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
