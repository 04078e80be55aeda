"""Command line options of ``pinpoint sandbox serve``, defined here for ``pipelines.cli``.

``add_serve_arguments(parser)`` adds the options and ``serve_from_arguments(arguments,
print_line)`` serves until Ctrl+C. The server binds to 127.0.0.1 unless ``--host`` names
another address.
"""

from __future__ import annotations

import argparse
import logging
import threading
from collections.abc import Callable
from dataclasses import replace

from pipelines.argument_types import (
    non_negative_int,
    non_negative_number,
    positive_int,
    positive_number,
)
from pipelines.sandbox.faults import FaultPlan, RateLimit
from pipelines.sandbox.generate import SandboxConfig
from pipelines.sandbox.permissions import ApiKey, Permission, parse_permissions
from pipelines.sandbox.server import DEFAULT_API_KEY, Sandbox, serve

logger = logging.getLogger(__name__)

SIZE_PRESETS: dict[str, SandboxConfig] = {
    "tiny": SandboxConfig(jobs=3, candidates=20, applications=30, users=5),
    "small": SandboxConfig(jobs=5, candidates=200, applications=300, users=8),
    "default": SandboxConfig(),
    "large": SandboxConfig(jobs=250, candidates=200_000, applications=300_000, users=60),
}
DEFAULT_PORT = 8765


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox server's options to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument(
        "--port",
        type=non_negative_int,
        default=DEFAULT_PORT,
        help=f"TCP port, 0 for any free one (default {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--seed", type=int, default=42, help="seed of the generated data (default 42)"
    )
    parser.add_argument(
        "--size",
        choices=sorted(SIZE_PRESETS),
        default="default",
        help="preset account size: tiny (30 applications), small (300), default (3,000), "
        "large (300,000)",
    )
    for name in ("jobs", "candidates", "applications", "users"):
        parser.add_argument(
            f"--{name}", type=non_negative_int, help=f"number of {name}, overriding --size"
        )
    parser.add_argument(
        "--api-key",
        default=DEFAULT_API_KEY,
        help=f"key clients must send (default {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--permissions",
        default="",
        help="permissions of the key per area, e.g. 'Job=read,Candidate=none'; areas not "
        "named get --default-permission",
    )
    parser.add_argument(
        "--default-permission",
        choices=["none", "read", "write"],
        default="write",
        help="permission of the key for areas --permissions does not name (default write)",
    )
    parser.add_argument(
        "--rate-limit",
        type=positive_number,
        metavar="PER_SECOND",
        help="respond 429 above this many requests per second (token bucket)",
    )
    parser.add_argument(
        "--burst",
        type=positive_int,
        default=10,
        help="requests allowed at once by --rate-limit (default 10)",
    )
    parser.add_argument(
        "--latency", type=non_negative_number, default=0.0, help="seconds added to every request"
    )
    parser.add_argument(
        "--latency-jitter",
        type=non_negative_number,
        default=0.0,
        help="up to this many extra random seconds",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME=PROBABILITY",
        help="inject a fault with a probability per request, e.g. 429=0.05 or 500=0.01; "
        "repeatable; names: 429, 429-date, 429-zero, 429-none, 500, 502, 503, timeout, "
        "truncated, malformed, errors-200",
    )
    parser.add_argument(
        "--fault-seed", type=int, default=0, help="seed of the fault draws (default 0)"
    )
    parser.add_argument(
        "--page-size-cap", type=positive_int, help="serve at most this many rows per page"
    )
    parser.add_argument(
        "--simulate-every",
        type=positive_number,
        metavar="SECONDS",
        help="every SECONDS of real time, simulate --simulate-hours of recruiting activity",
    )
    parser.add_argument(
        "--simulate-hours",
        type=positive_number,
        default=1.0,
        help="simulated hours per step (default 1)",
    )


def serve_from_arguments(arguments: argparse.Namespace, print_line: Callable[[str], None]) -> int:
    """Serve the sandbox the parsed ``arguments`` describe until interrupted; return 0.

    Raises ``ValueError`` with a message naming the option for invalid values.
    """
    config = _config(arguments)
    permissions = parse_permissions(arguments.permissions)
    key = ApiKey(
        arguments.api_key, permissions, default=Permission.parse(arguments.default_permission)
    )
    faults = _fault_plan(arguments)
    stop = threading.Event()

    def started(sandbox: Sandbox) -> None:
        print_line(f"Sandbox API: {sandbox.base_url}")
        print_line(f"API key: {arguments.api_key}")
        print_line(f"Permissions: {key.describe()}")
        counts = (
            f"{config.jobs} jobs, {config.candidates} candidates, "
            f"{config.applications} applications"
        )
        print_line(f"Data: seed {config.seed}, {counts}")
        print_line("Stop with Ctrl+C")
        if arguments.simulate_every:
            thread = threading.Thread(
                target=_simulate_periodically,
                args=(sandbox, arguments.simulate_every, arguments.simulate_hours, stop),
                name="pinpoint-sandbox-activity",
                daemon=True,
            )
            thread.start()

    try:
        serve(
            config,
            api_key=arguments.api_key,
            host=arguments.host,
            port=arguments.port,
            on_started=started,
            permissions=permissions,
            keys=(),
            faults=faults,
            default_permission=key.default,
        )
    finally:
        stop.set()
    return 0


def _config(arguments: argparse.Namespace) -> SandboxConfig:
    config = replace(SIZE_PRESETS[arguments.size], seed=arguments.seed)
    overrides = {
        name: getattr(arguments, name)
        for name in ("jobs", "candidates", "applications", "users")
        if getattr(arguments, name) is not None
    }
    return replace(config, **overrides)


def _fault_plan(arguments: argparse.Namespace) -> FaultPlan:
    probabilities: dict[str, float] = {}
    for item in arguments.fault:
        name, separator, value = item.partition("=")
        try:
            probabilities[name.strip()] = float(value)
        except ValueError:
            separator = ""
        if not separator:
            raise ValueError(f"--fault {item!r}: expected NAME=PROBABILITY, for example 429=0.05")
    rate_limit = RateLimit(arguments.rate_limit, arguments.burst) if arguments.rate_limit else None
    return FaultPlan(
        seed=arguments.fault_seed,
        probabilities=probabilities,
        latency_seconds=arguments.latency,
        latency_jitter_seconds=arguments.latency_jitter,
        rate_limit=rate_limit,
        page_size_cap=arguments.page_size_cap,
    )


def _simulate_periodically(
    sandbox: Sandbox, every: float, hours: float, stop: threading.Event
) -> None:
    while not stop.wait(every):
        try:
            summary = sandbox.simulate(hours)
        except Exception:
            logger.exception("Simulating activity failed; stopping the activity thread")
            return
        logger.info("Simulated %.1f hours: %s", hours, summary.counts())
