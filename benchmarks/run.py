"""Benchmark the connector against the sandbox and against dlt's generic rest_api source.

    python benchmarks/run.py                       # 10,000, 100,000 and 300,000 applications
    python benchmarks/run.py --sizes 10000 --phases baseline,delta
    python benchmarks/run.py --sizes 10000 --phases limited   # rate-limited syncs only

For each size a sandbox serves a generated account in its own process. The phases are
the connector's full sync and the same sync with dlt's ``rest_api`` source (the
baseline). At one size a full sync is profiled with cProfile, and with py-spy when it is
installed. Delta syncs follow after 1% of the records changed, then the report build. A
last phase syncs a small account through the sandbox's latency and rate limit, once per
page size of ``--limited-page-sizes``, each next to the same sync without them. Every
phase runs in a new process, so the peak RSS it reports is its own. Results go to
``results.json`` and ``results.md`` in the output folder; ``docs/benchmarks.md``
explains them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    # Run as a script: make the repository root importable for the benchmarks package.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import REPO_ROOT, PhaseLimits
from benchmarks.memory import machine_memory_bytes
from benchmarks.report import evaluate_targets, render
from benchmarks.scenario import ScenarioOptions, run_size
from pipelines.argument_types import non_negative_number, positive_int, positive_number
from pipelines.pinpoint.client import MAX_PAGE_SIZE

logger = logging.getLogger("benchmarks.run")

OPTIONAL_PHASES = ("baseline", "profile", "delta", "reports", "limited")
DEFAULT_SIZES = (10_000, 100_000, 300_000)
# At 10,000 applications pages of 1000 take 31 requests, 1.55 s at 20 per second, so
# the connector's own work bounds that sync rather than the rate. Pages of 50 take about
# 375 requests, 18.75 s, several times that work, so there the rate limit binds.
DEFAULT_LIMITED_PAGE_SIZES = (1000, 50)
WINDOW_LAG_SECONDS = 30.0
"""Default ``window_lag_seconds`` of ``run_sync``: records newer than this wait a run."""
VERSIONED_PACKAGES = ("dlt", "duckdb", "pyarrow", "httpx", "uvicorn", "starlette")


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark pinpoint-pipelines against the sandbox on 127.0.0.1."
    )
    parser.add_argument(
        "--sizes",
        type=_integers,
        default=list(DEFAULT_SIZES),
        help="comma-separated numbers of applications; candidates, jobs and users scale "
        "with them (default 10000,100000,300000)",
    )
    parser.add_argument(
        "--phases",
        type=_phase_names,
        default=set(OPTIONAL_PHASES),
        help="comma-separated phases to run besides the connector's full sync: "
        f"{','.join(OPTIONAL_PHASES)} (default all), or 'none'",
    )
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=REPO_ROOT / "benchmarks" / "results",
        help="folder for results.json and results.md (default benchmarks/results)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the results of sizes not run now from an existing results.json",
    )
    parser.add_argument(
        "--work-dir", type=Path, help="folder for pipelines and DuckDB files (default: temporary)"
    )
    parser.add_argument(
        "--keep-work-dir", action="store_true", help="keep the work folder after the run"
    )

    parser.add_argument("--seed", type=int, default=42, help="seed of the sandbox data")
    parser.add_argument(
        "--change-fraction",
        type=float,
        default=0.01,
        help="share of jobs, candidates, applications and interviews touched before the "
        "delta syncs (default 0.01)",
    )
    parser.add_argument(
        "--advance-seconds",
        type=positive_number,
        default=120.0,
        help="seconds the sandbox clock moves forward before the delta syncs (default 120)",
    )

    parser.add_argument(
        "--profile-size",
        type=positive_int,
        default=100_000,
        help="size at which the profiled full sync runs (default 100000)",
    )

    parser.add_argument(
        "--limited-size",
        type=positive_int,
        default=10_000,
        help="applications of the rate-limited phase (default 10000)",
    )
    parser.add_argument(
        "--limited-latency",
        type=non_negative_number,
        default=0.05,
        help="seconds of latency per request in the rate-limited phase (default 0.05)",
    )
    parser.add_argument(
        "--limited-rate",
        type=positive_number,
        default=20.0,
        help="requests per second the rate-limited sandbox allows (default 20)",
    )
    parser.add_argument(
        "--limited-burst",
        type=positive_int,
        default=1,
        help="requests the rate-limited sandbox allows at once (default 1)",
    )
    parser.add_argument(
        "--limited-page-sizes",
        type=_page_sizes,
        default=list(DEFAULT_LIMITED_PAGE_SIZES),
        help="records per page of the rate-limited syncs, comma-separated. Each page size "
        "gets one sync through the latency and rate limit (phase 'limited') and one "
        "without them (phase 'unlimited', the connector's own work) "
        f"(default {','.join(map(str, DEFAULT_LIMITED_PAGE_SIZES))})",
    )

    parser.add_argument(
        "--phase-timeout",
        type=positive_number,
        default=1200.0,
        help="seconds after which a phase process is killed and reported failed (default 1200)",
    )
    parser.add_argument(
        "--max-phase-rss-gib",
        type=positive_number,
        default=round(machine_memory_bytes() / 2**30 / 2, 1),
        help="GiB of resident memory above which a phase process is killed (default: half "
        "of the machine's memory)",
    )

    arguments = parser.parse_args(argv)
    if arguments.advance_seconds <= WINDOW_LAG_SECONDS:
        parser.error(
            f"--advance-seconds must be more than {WINDOW_LAG_SECONDS:.0f}, the connector's "
            f"window lag, or the delta syncs see no change; got {arguments.advance_seconds}"
        )
    if not 0.0 < arguments.change_fraction <= 1.0:
        parser.error(f"--change-fraction must be in (0, 1], got {arguments.change_fraction}")
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # One line per HTTP request of the warm-up would bury the progress messages.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    api_key = secrets.token_urlsafe(24)
    options = ScenarioOptions(
        phases=frozenset(arguments.phases),
        seed=arguments.seed,
        change_fraction=arguments.change_fraction,
        advance_seconds=arguments.advance_seconds,
        profile_size=arguments.profile_size,
        limits=PhaseLimits(arguments.phase_timeout, int(arguments.max_phase_rss_gib * 2**30)),
        limited_latency_seconds=arguments.limited_latency,
        limited_requests_per_second=arguments.limited_rate,
        limited_burst=arguments.limited_burst,
        limited_page_sizes=tuple(arguments.limited_page_sizes),
    )
    work_dir = arguments.work_dir or Path(tempfile.mkdtemp(prefix="pinpoint-benchmark-"))
    records: list[dict[str, Any]] = []
    profiles: dict[str, Any] = {}
    try:
        wants_limited = "limited" in options.phases
        for size in arguments.sizes:
            # The limited phase reuses the sandbox of its size when that size is run.
            limited_here = wants_limited and size == arguments.limited_size
            scenario = run_size(
                size, work_dir / f"size-{size}", api_key, options, limited=limited_here
            )
            records += scenario.records
            if scenario.profile:
                profiles["profile"] = scenario.profile
            if scenario.sampled_profile:
                profiles["sampled_profile"] = scenario.sampled_profile
        if wants_limited and arguments.limited_size not in arguments.sizes:
            limited = run_size(
                arguments.limited_size,
                work_dir / f"size-{arguments.limited_size}",
                api_key,
                options,
                scenario=False,
                limited=True,
            )
            records += limited.records
    finally:
        if arguments.keep_work_dir or arguments.work_dir:
            logger.info("Pipelines and DuckDB files are in %s", work_dir)
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    digest = source_digest()
    for record in records:
        record["pipelines_digest"] = digest
    results = assemble(arguments, records, profiles)
    write_results(arguments.output_dir, results)
    failed = [record for record in results["records"] if record["status"] in ("failed", "mismatch")]
    for record in failed:
        logger.error(
            "%s %s at %d: %s", record["path"], record["phase"], record["size"], record["error"]
        )
    return 1 if failed else 0


def assemble(
    arguments: argparse.Namespace, records: list[dict[str, Any]], profiles: dict[str, Any]
) -> dict[str, Any]:
    """Build the results document, merging earlier results of other sizes if asked."""
    previous_path = arguments.output_dir / "results.json"
    if arguments.merge and previous_path.exists():
        previous = json.loads(previous_path.read_text())
        fresh = {_record_key(record) for record in records}
        earlier_records = [
            record for record in previous["records"] if _record_key(record) not in fresh
        ]
        records = earlier_records + records
        for name in ("profile", "sampled_profile"):
            if name not in profiles and previous.get(name):
                profiles[name] = previous[name]
    return {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "command": " ".join(["python", "benchmarks/run.py", *sys.argv[1:]]),
        "machine": describe_machine(),
        "versions": {name: _version(name) for name in VERSIONED_PACKAGES},
        "source": describe_source(),
        "settings": {
            "change_fraction": arguments.change_fraction,
            "advance_seconds": arguments.advance_seconds,
            "seed": arguments.seed,
            "phase_timeout_seconds": arguments.phase_timeout,
            "max_phase_rss_gib": arguments.max_phase_rss_gib,
        },
        "records": records,
        "targets": evaluate_targets(records),
        "profile": profiles.get("profile"),
        "sampled_profile": profiles.get("sampled_profile"),
    }


def _record_key(record: dict[str, Any]) -> tuple[Any, ...]:
    return (record["size"], record["phase"], record["path"], record.get("page_size"))


def write_results(folder: Path, results: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    (folder / "results.md").write_text(render(results))
    logger.info("Wrote %s and %s", folder / "results.json", folder / "results.md")


def describe_machine() -> dict[str, Any]:
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": machine_memory_bytes() / 2**30,
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def describe_source() -> dict[str, Any]:
    """Return the commit and how many files under pipelines/ differ from it.

    ``--no-optional-locks`` keeps ``git status`` from refreshing the index file.
    """

    def git(*command: str) -> str:
        try:
            completed = subprocess.run(
                ["git", "--no-optional-locks", *command],
                cwd=REPO_ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
        except OSError:  # git is not installed
            return ""
        return completed.stdout.strip() if completed.returncode == 0 else ""

    changed = git("status", "--porcelain", "--", "pipelines")
    return {
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "changed_files": len(changed.splitlines()) if changed else 0,
        "pipelines_digest": source_digest(),
    }


def source_digest() -> str:
    """Return a short SHA-256 over every Python file under pipelines/, names included.

    Records measured on different code get different digests, even when the differences
    are not committed.
    """
    digest = hashlib.sha256()
    for path in sorted((REPO_ROOT / "pipelines").rglob("*.py")):
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _integers(text: str) -> list[int]:
    try:
        values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid sizes {text!r}: expected numbers separated by commas"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"invalid sizes {text!r}: each must be at least 1")
    return values


def _page_sizes(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid page sizes {text!r}: expected numbers separated by commas"
        ) from None
    if not values or not all(1 <= value <= MAX_PAGE_SIZE for value in values):
        raise argparse.ArgumentTypeError(
            f"invalid page sizes {text!r}: each must be between 1 and {MAX_PAGE_SIZE}"
        )
    return list(dict.fromkeys(values))


def _phase_names(text: str) -> set[str]:
    if text.strip() == "none":
        return set()
    names = {part.strip() for part in text.split(",") if part.strip()}
    unknown = sorted(names - set(OPTIONAL_PHASES))
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown phases {', '.join(unknown)}; choose from {', '.join(OPTIONAL_PHASES)}"
        )
    return names


if __name__ == "__main__":
    sys.exit(main())
