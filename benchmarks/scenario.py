"""The sequence of phases at one account size, and the checks on what each phase loaded.

Each size gets one sandbox process. The scenario warms the sandbox up and runs the
connector's full sync, the baseline's full sync and, at the profiled size, a profiled
full sync. Then it touches a share of the records, moves the sandbox clock forward, runs
both delta syncs and builds the reports. The rate-limited phase runs last, on the
sandbox of its size or on one of its own, once per page size of ``limited_page_sizes``.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import AccountSize, PhaseLimits, SandboxProcess, run_phase
from benchmarks.phases import worker_profile_path
from benchmarks.profile_summary import summarise
from benchmarks.sampling import py_spy_executable, summarise_samples
from pipelines.pinpoint.source import ALL_JOB_VISIBILITIES

logger = logging.getLogger("benchmarks.scenario")

READ_TYPES = ("users", "jobs", "candidates", "applications", "interviews")
"""Record types both sync paths read; their sum is a full sync's record count."""
CHANGED_TYPES = ("jobs", "candidates", "applications", "interviews")
SANDBOX_STARTUP_SECONDS = 600.0


@dataclass(frozen=True)
class ScenarioOptions:
    """Settings shared by the scenarios of every size; ``run.py`` documents each option."""

    phases: frozenset[str]
    seed: int
    change_fraction: float
    advance_seconds: float
    profile_size: int | None
    limits: PhaseLimits
    limited_latency_seconds: float
    limited_requests_per_second: float
    limited_burst: int
    limited_page_sizes: tuple[int, ...] = (1000,)


class Scenario:
    """Runs the phases of one size against one sandbox process and collects records."""

    def __init__(
        self,
        sandbox: SandboxProcess,
        size: int,
        folder: Path,
        api_key: str,
        options: ScenarioOptions,
    ) -> None:
        self.sandbox = sandbox
        self.size = size
        self.folder = folder
        self.api_key = api_key
        self.options = options
        self.records: list[dict[str, Any]] = []
        self.profile: dict[str, Any] | None = None
        self.sampled_profile: dict[str, Any] | None = None

    def measure(
        self,
        phase: str,
        path: str,
        records: int,
        run: Callable[[], dict[str, Any]],
        check: Callable[[dict[str, Any]], dict[str, Any]],
        *,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        """Run one phase with the sandbox's request counts and CPU time around it.

        ``page_size``, when given, is recorded with the phase, so that records of one
        phase at different page sizes stay apart.
        """
        self.sandbox.command("reset_stats")
        before = self.sandbox.command("usage")
        load_before = os.getloadavg()[0]
        logger.info("Running %s %s at %d applications", path, phase, self.size)

        started = time.perf_counter()
        result = run()
        elapsed = time.perf_counter() - started

        stats = self.sandbox.command("stats")
        after = self.sandbox.command("usage")
        record: dict[str, Any] = {"size": self.size, "phase": phase, "path": path}
        if page_size is not None:
            record["page_size"] = page_size
        if "error" in result:
            record.update(status="failed", error=result["error"], log_tail=result["log_tail"])
            logger.error("%s %s failed: %s", path, phase, result["error"])
        else:
            checks = check(result)
            mismatched = [name for name, pair in checks.items() if pair[0] != pair[1]]
            record.update(
                status="mismatch" if mismatched else "ok",
                error=f"loaded row counts differ in {', '.join(mismatched)}" if mismatched else "",
                records=records,
                seconds=round(result["seconds"], 3),
                records_per_second=round(records / result["seconds"], 1),
                requests=stats["total"],
                http_429=_count_status(stats["by_route"], "429"),
                max_rss_bytes=max(result["max_rss_bytes"], result["children_max_rss_bytes"]),
                cpu_seconds=round(result["cpu_seconds"], 3),
                sandbox_cpu_seconds=round(after["cpu_seconds"] - before["cpu_seconds"], 3),
                sandbox_max_rss_bytes=after["max_rss_bytes"],
                process_seconds=round(elapsed, 3),
                # Other processes on the machine slow a phase down, so the 1-minute load
                # average before and after it shows whether they were busy.
                load_average=[round(load_before, 2), round(os.getloadavg()[0], 2)],
                checks={
                    name: {"expected": pair[0], "loaded": pair[1]} for name, pair in checks.items()
                },
                details={key: value for key, value in result.items() if key in _DETAIL_KEYS},
            )
        self.records.append(record)
        return record

    def run(self) -> None:
        phases = self.options.phases
        counts = self.sandbox.counts
        account_records = sum(counts[name] for name in READ_TYPES)
        warm_up(self.sandbox.base_url, self.api_key)
        connector, baseline = self.folder / "connector", self.folder / "baseline"

        full = self.measure(
            "full",
            "connector",
            account_records,
            lambda: self._phase("connector", connector),
            self._full_connector_checks,
        )
        baseline_ok = False
        if "baseline" in phases:
            baseline_full = self.measure(
                "full",
                "baseline",
                account_records,
                lambda: self._phase("baseline", baseline),
                self._full_baseline_checks,
            )
            baseline_ok = baseline_full["status"] == "ok"
        if "profile" in phases and self.size == self.options.profile_size:
            self._run_profile(account_records)
        if "delta" in phases and full["status"] == "ok":
            self._run_deltas(with_baseline=baseline_ok)
        if "reports" in phases and full["status"] == "ok":
            self.measure(
                "reports",
                "connector",
                counts["applications"],
                lambda: self._phase("reports", connector, with_url=False),
                lambda result: {
                    "reports built": (result["expected_reports"], len(result["reports"]))
                },
            )

    def run_limited(self) -> None:
        """Run full syncs through the sandbox's latency and token-bucket rate limit.

        Each page size of ``limited_page_sizes`` gets two full syncs into new DuckDB
        files: phase ``unlimited`` without latency and limit, which times the connector's
        own work at that page size, and phase ``limited`` with them. The unlimited syncs
        run first, so the sandbox's plan is set once.
        """
        options = self.options
        account_records = sum(self.sandbox.counts[name] for name in READ_TYPES)
        unlimited: dict[int, dict[str, Any]] = {}
        for page_size in options.limited_page_sizes:
            unlimited[page_size] = self.measure(
                "unlimited",
                "connector",
                account_records,
                partial(self._limited_sync, "unlimited", page_size),
                self._full_connector_checks,
                page_size=page_size,
            )
        self.sandbox.command(
            "plan",
            latency=options.limited_latency_seconds,
            rate=options.limited_requests_per_second,
            burst=options.limited_burst,
        )
        for page_size in options.limited_page_sizes:
            record = self.measure(
                "limited",
                "connector",
                account_records,
                partial(self._limited_sync, "limited", page_size),
                self._full_connector_checks,
                page_size=page_size,
            )
            if record["status"] == "ok":
                self._add_limited_details(record, unlimited[page_size])

    def _limited_sync(self, phase: str, page_size: int) -> dict[str, Any]:
        folder = self.folder / f"{phase}-pages-of-{page_size}"
        return self._phase("connector", folder, page_size=page_size)

    def _add_limited_details(self, record: dict[str, Any], unlimited: dict[str, Any]) -> None:
        """Add the sandbox's limits, the minimum time they allow and the ratio to it.

        The minimum is the successful requests divided by the allowed rate, so 429
        responses do not raise it.
        """
        options = self.options
        succeeded = record["requests"] - record["http_429"]
        minimum = succeeded / options.limited_requests_per_second
        record["details"].update(
            latency_seconds=options.limited_latency_seconds,
            requests_per_second=options.limited_requests_per_second,
            burst=options.limited_burst,
            minimum_seconds=round(minimum, 3),
            ratio_to_minimum=round(record["seconds"] / minimum, 3) if minimum else None,
            unlimited_seconds=unlimited.get("seconds"),
        )

    def _run_profile(self, account_records: int) -> None:
        profile_path = self.folder / "profile" / "full-sync.pstats"
        record = self.measure(
            "profile",
            "connector",
            account_records,
            lambda: self._phase("connector", self.folder / "profile", profile_path=profile_path),
            self._full_connector_checks,
        )
        if record["status"] == "ok":
            self.profile = {
                "size": self.size,
                "seconds": record["seconds"],
                "sandbox_cpu_seconds": record["sandbox_cpu_seconds"],
                **summarise(profile_path, worker_profile_path(profile_path)),
            }
        self._run_sampled(account_records)

    def _run_sampled(self, account_records: int) -> None:
        """Run the full sync once more under py-spy, or record why it was skipped."""
        if py_spy_executable() is None:
            self.records.append(
                {
                    "size": self.size,
                    "phase": "sampled",
                    "path": "connector",
                    "status": "skipped",
                    "error": "py-spy is not installed (pip install py-spy)",
                }
            )
            return
        samples_path = self.folder / "sampled" / "py-spy-samples.txt"
        record = self.measure(
            "sampled",
            "connector",
            account_records,
            lambda: self._phase("connector", self.folder / "sampled", py_spy_samples=samples_path),
            self._full_connector_checks,
        )
        if record["status"] == "ok" and samples_path.exists():
            self.sampled_profile = {
                "size": self.size,
                "seconds": record["seconds"],
                **summarise_samples(samples_path),
            }

    def _run_deltas(self, with_baseline: bool) -> None:
        reply = self.sandbox.command(
            "change", fraction=self.options.change_fraction, seed=self.options.seed
        )
        changed: dict[str, int] = reply["changed"]
        # Past the connector's 30 s window lag, so the changes fall inside the next window.
        self.sandbox.command("advance", seconds=self.options.advance_seconds)
        delta_records = sum(changed.values())
        self.measure(
            "delta",
            "connector",
            delta_records,
            lambda: self._phase("connector", self.folder / "connector"),
            lambda result: self._delta_checks(result, changed),
        )
        if with_baseline:
            self.measure(
                "delta",
                "baseline",
                delta_records,
                lambda: self._phase("baseline", self.folder / "baseline"),
                lambda result: self._delta_checks(result, changed),
            )

    def _phase(
        self,
        phase: str,
        folder: Path,
        *,
        with_url: bool = True,
        profile_path: Path | None = None,
        py_spy_samples: Path | None = None,
        page_size: int | None = None,
    ) -> dict[str, Any]:
        return run_phase(
            phase,
            folder,
            self.api_key,
            self.options.limits,
            base_url=self.sandbox.base_url if with_url else None,
            profile_path=profile_path,
            py_spy_samples=py_spy_samples,
            page_size=page_size,
        )

    def _full_connector_checks(self, result: dict[str, Any]) -> dict[str, Any]:
        counts, loaded = self.sandbox.counts, result["table_rows"]
        checks = {name: (counts[name], loaded[name]) for name in READ_TYPES}
        checks["application_stages"] = (counts["stages"], loaded["application_stages"])
        checks["screening_questions"] = (counts["questions"], loaded["screening_questions"])
        return checks

    def _full_baseline_checks(self, result: dict[str, Any]) -> dict[str, Any]:
        counts, loaded = self.sandbox.counts, result["table_rows"]
        return {name: (counts[name], loaded[name]) for name in READ_TYPES}

    def _delta_checks(self, result: dict[str, Any], changed: dict[str, int]) -> dict[str, Any]:
        """Check that the delta wrote each changed record once and left no duplicates."""
        counts = self.sandbox.counts
        checks = {
            f"{name} written": (changed[name], result["rows_loaded"][name])
            for name in CHANGED_TYPES
        }
        for name in READ_TYPES:
            checks[f"{name} in table"] = (counts[name], result["table_rows"][name])
        return checks


_DETAIL_KEYS = (
    "requests",
    "retries",
    "rows_loaded",
    "dlt_steps",
    "peak_rss_by_step",
    "child_tables",
    "reports",
)


def _count_status(by_route: dict[str, dict[str, int]], status: str) -> int:
    return sum(statuses.get(status, 0) for statuses in by_route.values())


def warm_up(base_url: str, api_key: str) -> None:
    """Ask each endpoint for one record in the connector's order before measuring.

    The sandbox builds its ``(updated_at, id)`` index of a type on the first such request,
    so without this the first measured sync would pay for it and the others would not.
    """
    with httpx.Client(base_url=base_url, headers={"X-API-KEY": api_key}, timeout=300) as client:
        for path in ("/jobs", "/candidates", "/applications", "/interviews"):
            params = {"sort": "updated_at,id", "page[size]": "1"}
            if path in ("/applications", "/interviews"):
                params["filter[job_visibility]"] = ALL_JOB_VISIBILITIES
            response = client.get(path, params=params)
            if response.status_code != 200:
                logger.warning("Warm-up request to %s returned HTTP %d", path, response.status_code)


def run_size(
    size: int,
    folder: Path,
    api_key: str,
    options: ScenarioOptions,
    *,
    scenario: bool = True,
    limited: bool = False,
) -> Scenario:
    """Start a sandbox for ``size`` applications and run the scenario, the limited phase
    or both.

    The limited phase comes last because it sets latency and a rate limit on the sandbox.
    """
    account = AccountSize.for_applications(size)
    with SandboxProcess(account, api_key, options.seed, SANDBOX_STARTUP_SECONDS) as sandbox:
        logger.info(
            "Sandbox with %d applications generated in %.1f s", size, sandbox.generate_seconds
        )
        runner = Scenario(sandbox, size, folder, api_key, options)
        if scenario:
            runner.run()
        if limited:
            runner.run_limited()
    return runner
