"""Run one benchmark phase in this process and write its measurements as JSON.

``run.py`` starts every phase as ``python -m benchmarks.phases PHASE ...`` in a process
of its own, so the peak RSS of each phase (``ru_maxrss``) is the phase's alone. Phases:

    connector     one sync with ``pipelines.sync.run_sync``, without the report build.
                  The first run in a folder reads every record, later runs the delta.
    reports       ``pipelines.reporting.build_reports`` on the connector's pipeline.
    baseline      one sync with dlt's ``rest_api`` source (see ``baseline.py``).

The wall time and the CPU time cover the phase's work only, not starting Python or
importing dlt. The API key comes from the environment variable ``BENCHMARK_API_KEY``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dlt
import duckdb

from benchmarks.baseline import BASELINE_DATASET, BASELINE_TABLES, run_baseline
from benchmarks.harness import API_KEY_VARIABLE
from benchmarks.memory import RssSampler, StepWindow, peak_by_step, seconds_by_step
from pipelines.pinpoint.settings import resolve_settings
from pipelines.pinpoint.tables import TABLES
from pipelines.reporting import REPORTS, build_reports, reports_schema_name
from pipelines.sync import DEFAULT_DATASET, make_pipeline, run_sync

CONNECTOR_PIPELINE = "benchmark_connector"
ACCOUNT = "benchmark"
PHASES = ("connector", "reports", "baseline")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("phase", choices=PHASES)
    parser.add_argument("--folder", type=Path, required=True, help="pipeline and DuckDB folder")
    parser.add_argument("--base-url", help="sandbox API root, for the sync phases")
    parser.add_argument("--output", type=Path, required=True, help="file for the JSON result")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the phase here")
    parser.add_argument(
        "--page-size",
        type=int,
        default=1000,
        help="records per page requested by the connector phase (default 1000)",
    )
    arguments = parser.parse_args()

    api_key = os.environ.get(API_KEY_VARIABLE, "")
    if arguments.phase != "reports" and not (api_key and arguments.base_url):
        parser.error(f"phase {arguments.phase} needs --base-url and ${API_KEY_VARIABLE}")
    arguments.folder.mkdir(parents=True, exist_ok=True)

    work: Callable[[], dict[str, Any]]
    if arguments.phase == "connector":

        def work() -> dict[str, Any]:
            return _connector_sync(
                arguments.folder, arguments.base_url, api_key, arguments.page_size
            )

    elif arguments.phase == "reports":

        def work() -> dict[str, Any]:
            return _reports(arguments.folder)

    else:

        def work() -> dict[str, Any]:
            return _baseline_sync(arguments.folder, arguments.base_url, api_key)

    result = _measure(work, arguments.profile)
    arguments.output.write_text(json.dumps(result, indent=2, default=str))
    return 0


def _measure(work: Callable[[], dict[str, Any]], profile_path: Path | None) -> dict[str, Any]:
    """Run ``work`` and return its details with wall time, CPU time and peak RSS."""
    rss = RssSampler()
    rss.start()
    profiler = cProfile.Profile() if profile_path else None
    worker_profiles: list[cProfile.Profile] = []
    if profiler is not None:
        _profile_new_threads(worker_profiles)
    usage_before = resource.getrusage(resource.RUSAGE_SELF)

    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    details = work()
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started

    usage_after = resource.getrusage(resource.RUSAGE_SELF)
    rss.stop()
    windows: list[StepWindow] = details.pop("dlt_step_windows", [])
    if windows:
        details["dlt_steps"] = seconds_by_step(windows)
        details["peak_rss_by_step"] = peak_by_step(rss.samples, windows)
    if profiler is not None and profile_path is not None:
        _dump_profiles(profiler, worker_profiles, profile_path)
    return {
        "seconds": seconds,
        "max_rss_bytes": _max_rss_bytes(usage_after),
        "children_max_rss_bytes": _max_rss_bytes(resource.getrusage(resource.RUSAGE_CHILDREN)),
        "cpu_seconds": (usage_after.ru_utime + usage_after.ru_stime)
        - (usage_before.ru_utime + usage_before.ru_stime),
        **details,
    }


def _max_rss_bytes(usage: resource.struct_rusage) -> int:
    # macOS reports ru_maxrss in bytes, Linux in KiB.
    return usage.ru_maxrss if sys.platform == "darwin" else usage.ru_maxrss * 1024


def _dump_profiles(
    main: cProfile.Profile, workers: list[cProfile.Profile], profile_path: Path
) -> None:
    main.dump_stats(str(profile_path))
    if workers:
        merged = pstats.Stats(workers[0])
        for other in workers[1:]:
            merged.add(other)
        merged.dump_stats(str(worker_profile_path(profile_path)))


def worker_profile_path(profile_path: Path) -> Path:
    """Return where the merged profiles of the phase's other threads are written."""
    return profile_path.with_name(profile_path.stem + "-workers.pstats")


def _profile_new_threads(finished: list[cProfile.Profile]) -> None:
    """Profile every thread started from now on, each with its own profiler.

    cProfile records only the thread that enabled it. The HTTP prefetching and dlt's load
    jobs run in other threads, so each thread gets a profiler, collected when it ends.
    Threads still running when the phase ends are not included.
    """
    original_run = threading.Thread.run
    lock = threading.Lock()

    def profiled_run(thread: threading.Thread) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            original_run(thread)
        finally:
            profiler.disable()
            with lock:
                finished.append(profiler)

    threading.Thread.run = profiled_run  # type: ignore[method-assign, assignment]


def connector_pipeline(folder: Path) -> dlt.Pipeline:
    return make_pipeline(
        pipeline_name=CONNECTOR_PIPELINE,
        pipelines_dir=folder / "pipelines",
        duckdb_path=folder / "connector.duckdb",
    )


def _connector_sync(folder: Path, base_url: str, api_key: str, page_size: int) -> dict[str, Any]:
    settings = resolve_settings(api_key=api_key, base_url=base_url, account=ACCOUNT)
    result = run_sync(
        settings, connector_pipeline(folder), page_size=page_size, build_reports_after=False
    )
    return {
        "requests": result.requests,
        "retries": result.retries,
        "rows_loaded": result.rows_loaded,
        "dlt_step_windows": _step_windows(connector_pipeline(folder)),
        "table_rows": _count_rows(folder / "connector.duckdb", DEFAULT_DATASET, list(TABLES)),
    }


def _reports(folder: Path) -> dict[str, Any]:
    pipeline = connector_pipeline(folder)
    built = build_reports(pipeline)
    schema = reports_schema_name(DEFAULT_DATASET)
    return {
        "reports": built,
        "expected_reports": len(REPORTS),
        "table_rows": _count_rows(folder / "connector.duckdb", schema, list(REPORTS)),
    }


def _baseline_sync(folder: Path, base_url: str, api_key: str) -> dict[str, Any]:
    pipeline = run_baseline(folder, base_url, api_key)
    trace = pipeline.last_trace
    normalize: Any = trace.last_normalize_info if trace else None
    row_counts = dict(normalize.row_counts) if normalize is not None else {}
    return {
        "rows_loaded": {table: row_counts.get(table, 0) for table in BASELINE_TABLES},
        "child_tables": sorted(
            table
            for table in row_counts
            if table not in BASELINE_TABLES and not table.startswith("_dlt")
        ),
        "dlt_step_windows": _step_windows(pipeline),
        "table_rows": _count_rows(folder / "baseline.duckdb", BASELINE_DATASET, BASELINE_TABLES),
    }


def _step_windows(pipeline: dlt.Pipeline) -> list[StepWindow]:
    """Return the dlt steps (extract, normalize, load) of the last run with their times."""
    trace = pipeline.last_trace
    windows: list[StepWindow] = []
    for step in trace.steps if trace else []:
        if step.started_at and step.finished_at and step.step != "run":
            windows.append((step.step, step.started_at.timestamp(), step.finished_at.timestamp()))
    return windows


def _count_rows(path: Path, schema: str, tables: list[str] | tuple[str, ...]) -> dict[str, int]:
    """Count the rows of each table in ``schema``; a table that does not exist counts 0."""
    counts: dict[str, int] = {}
    with duckdb.connect(str(path), read_only=True) as connection:
        present = {
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        }
        for table in tables:
            if table in present:
                row = connection.execute(f'select count(*) from "{schema}"."{table}"').fetchone()
                counts[table] = int(row[0]) if row else 0
            else:
                counts[table] = 0
    return counts


if __name__ == "__main__":
    sys.exit(main())
