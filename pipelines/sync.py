"""Run one sync: Pinpoint → dlt → destination, then rebuild the reporting tables."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import dlt
import duckdb
from dlt.common.destination import Destination
from dlt.destinations.exceptions import DatabaseUndefinedRelation
from dlt.pipeline.exceptions import PipelineStepFailed
from filelock import FileLock, Timeout

from pipelines.actions.tracking import created_references
from pipelines.duckdb_settings import duckdb_destination
from pipelines.gc_pacing import collect_less
from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.pinpoint.deletions import mark_deleted
from pipelines.pinpoint.errors import PinpointError
from pipelines.pinpoint.progress import SyncProgress
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.source import RowFilter, listed_tables, pinpoint_source
from pipelines.pinpoint.tables import TABLES
from pipelines.reporting import ReportTablesMissingError, build_reports

__all__ = [
    "AfterLoadError",
    "SyncAlreadyRunningError",
    "SyncFailedError",
    "SyncResult",
    "make_pipeline",
    "pipeline_lock",
    "report_failure_reason",
    "run_sync",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PIPELINE_NAME = "pinpoint"
DEFAULT_DATASET = "pinpoint"
# Not pinpoint.duckdb: DuckDB names the catalog after the file, and a catalog named like
# the dataset makes unqualified names ambiguous.
DEFAULT_DUCKDB_PATH = Path("pinpoint_data.duckdb")


AfterLoadStep = Callable[[dlt.Pipeline, list[str]], dict[str, int]]
"""A step run after each load with the pipeline and the run's load ids."""


class SyncFailedError(PinpointError):
    """A sync step failed; nothing of this run's data was committed as loaded."""


class AfterLoadError(PinpointError):
    """The sync loaded its data and advanced its state, but a later step failed.

    Raised for the deletion marking, the `after_load` steps and the report build, whose
    messages name the fix.
    """


class SyncAlreadyRunningError(PinpointError):
    """Another sync of the same pipeline holds its lock."""


@contextmanager
def pipeline_lock(pipeline: dlt.Pipeline) -> Iterator[None]:
    """Hold an exclusive lock on the pipeline's working folder for one sync.

    dlt keeps incremental state and pending load packages in that folder, so two syncs
    of one pipeline at once could load the same window twice or lose a state update.
    The lock is a file lock: it protects syncs on one machine that share the folder.
    """
    folder = Path(pipeline.working_dir)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / "sync.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise SyncAlreadyRunningError(
            f"another sync of pipeline {pipeline.pipeline_name!r} is running (lock file "
            f"{folder / 'sync.lock'}); wait for it to finish, or stop it, and run again"
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass
class SyncResult:
    """Outcome of one sync: rows written per table, HTTP traffic and time taken."""

    rows_loaded: dict[str, int]
    requests: int
    retries: int
    seconds: float
    reports: list[str] = field(default_factory=list)
    rows_marked_deleted: dict[str, int] = field(default_factory=dict)
    rows_changed_after_load: dict[str, int] = field(default_factory=dict)
    dataset: str = DEFAULT_DATASET
    destination: str = "duckdb"


def make_pipeline(
    *,
    destination: str | Destination = "duckdb",
    dataset: str = DEFAULT_DATASET,
    pipeline_name: str = DEFAULT_PIPELINE_NAME,
    pipelines_dir: str | Path | None = None,
    duckdb_path: str | Path | None = None,
    duckdb_memory_limit: str | None = None,
) -> dlt.Pipeline:
    """Create (or reopen) the dlt pipeline that keeps this account's incremental state.

    With the duckdb destination and a `duckdb_path`, DuckDB gets a memory limit, so that
    the memory of dlt's load step does not grow with the account. The limit is
    `duckdb_memory_limit`, else the configured one, else the default (see
    `pipelines.duckdb_settings.resolve_duckdb_memory_limit`). An invalid limit raises
    PinpointConfigurationError. dlt alone configures the other destinations, and duckdb
    without a path.
    """
    if isinstance(destination, str) and destination == "duckdb" and duckdb_path is not None:
        # dlt resolves a relative path against the folder the pipeline was first created
        # in, not the current one, so the path is made absolute here.
        destination = duckdb_destination(Path(duckdb_path).resolve(), duckdb_memory_limit)
    options: dict[str, Any] = {}
    if pipelines_dir is not None:
        options["pipelines_dir"] = str(pipelines_dir)
    return dlt.pipeline(
        pipeline_name=pipeline_name, destination=destination, dataset_name=dataset, **options
    )


def run_sync(
    settings: PinpointSettings,
    pipeline: dlt.Pipeline,
    *,
    full: bool = False,
    page_size: int = 1000,
    window_lag_seconds: float = 30.0,
    retry_policy: RetryPolicy | None = None,
    progress: SyncProgress | None = None,
    tables: list[str] | None = None,
    build_reports_after: bool = True,
    row_filter: RowFilter | None = None,
    after_load: Sequence[AfterLoadStep] = (),
    max_concurrency: int = 4,
    max_requests_per_second: float | None = None,
    timeout_seconds: float = 30.0,
    only_created: bool = False,
) -> SyncResult:
    """Sync the account into the pipeline's destination and rebuild the reports.

    `max_concurrency` bounds requests in flight (4 by default) and
    `max_requests_per_second` caps the request rate from the start. Without it, the
    client learns a rate cap from the first 429 (`pipelines.pinpoint.throttle`).
    `only_created` loads only the candidates and applications created through this
    package's actions (tracked in the destination), for partners who must not read the
    rest of an account.
    `row_filter` sees every mapped page before it is written (privacy rules use it);
    each `after_load` step runs after the load and the deletion marking with the pipeline
    and this run's load ids, and returns rows changed per table.

    Raises the underlying `PinpointError` (bad key, missing permission, API down) when
    the sync fails. dlt then keeps the previous incremental state, so the next run reads
    the same window again.
    """
    started = time.monotonic()
    # Staging tables and loaded job files are copies of loaded rows, personal data
    # included. These settings make dlt delete them after each load.
    dlt.config["load.truncate_staging_dataset"] = True
    dlt.config["load.delete_completed_jobs"] = True
    pipeline = _reopen(pipeline)
    with (
        pipeline_lock(pipeline),
        collect_less(),
        PinpointClient(
            settings.base_url,
            settings.api_key,
            retry_policy=retry_policy,
            max_concurrency=max_concurrency,
            max_requests_per_second=max_requests_per_second,
            timeout_seconds=timeout_seconds,
        ) as client,
    ):
        # Partners who may read only what they created pass the references of the
        # records created through the actions; interviews cannot be filtered that way.
        references = created_references(pipeline, settings.account) if only_created else None
        source = pinpoint_source(
            client,
            settings.account,
            full_sync=full,
            page_size=page_size,
            window_lag_seconds=window_lag_seconds,
            tables=tables,
            progress=progress,
            row_filter=row_filter,
            external_system_references=references,
        )
        try:
            recovered_ids = _finish_interrupted_load(pipeline)
            info = pipeline.run(source)
        except PipelineStepFailed as error:
            if _caused_by(error, KeyboardInterrupt):
                # dlt wraps Ctrl+C like any step failure; it must stop every account.
                raise KeyboardInterrupt from None
            raise _unwrap(error) from None
        load_ids = recovered_ids + (list(info.loads_ids) if info is not None else [])
        rows = _rows_loaded(pipeline)
        for table, count in _rows_in_loads(pipeline, recovered_ids).items():
            rows[table] += count
        wanted = set(tables or TABLES) - ({"interviews"} if only_created else set())
        deleted = _after_load(
            "marking deleted rows",
            "The next sync goes on from this one; run `pinpoint sync --full` to mark the "
            "rows deleted in Pinpoint",
            lambda: mark_deleted(
                pipeline,
                settings.account,
                load_ids,
                listed_tables(wanted) if full else [],
                datetime.now(UTC),
            ),
        )
        changed_after_load: dict[str, int] = {}
        for step in after_load:
            changed = _after_load(
                f"the step after the load {_step_name(step)}",
                "Rows it changes, such as personal data a privacy policy removes, stay as "
                "loaded until a later sync runs the step again",
                partial(step, pipeline, load_ids),
            )
            for table, count in changed.items():
                changed_after_load[table] = changed_after_load.get(table, 0) + count
        reports = _build_reports_after_load(pipeline) if build_reports_after else []
        return SyncResult(
            rows_loaded=rows,
            requests=client.stats.requests,
            retries=client.stats.retries,
            seconds=time.monotonic() - started,
            reports=reports,
            rows_marked_deleted=deleted,
            rows_changed_after_load=changed_after_load,
            dataset=pipeline.dataset_name,
            destination=pipeline.destination.destination_name,
        )


def _step_name(step: AfterLoadStep) -> str:
    return getattr(step, "__name__", type(step).__name__)


def _after_load(step_description: str, consequence: str, action: Callable[[], T]) -> T:
    """Run a step that follows the load, and raise `AfterLoadError` if it fails.

    The data and the incremental state are committed by then. The message states that,
    names the failed step, and ends with `consequence`: what is left undone and the fix.
    """
    try:
        return action()
    except PinpointError:
        raise
    except Exception as error:
        raise AfterLoadError(
            f"the sync loaded its data, but {step_description} failed: "
            f"{report_failure_reason(error)}. "
            f"{consequence}"
        ) from error


def _build_reports_after_load(pipeline: dlt.Pipeline) -> list[str]:
    """Build the reports; report tables a partial dataset lacks as a warning, not a failure."""
    try:
        return _after_load(
            "building the reports",
            "The next sync goes on from this one; rebuild the reports with `pinpoint report`",
            lambda: build_reports(pipeline),
        )
    except ReportTablesMissingError as error:
        logger.warning("Reports not built: %s", error)
        return []


def report_failure_reason(error: BaseException) -> str:
    """Return the first line of a destination error, with the fix for running out of memory."""
    reason = str(error).splitlines()[0] if str(error) else type(error).__name__
    if _is_duckdb_out_of_memory(error):
        reason += "; raise DuckDB's memory limit with --duckdb-memory-limit"
    return reason


def _is_duckdb_out_of_memory(error: BaseException) -> bool:
    # dlt re-raises DuckDB's errors as its own exception types, keeping only the text.
    return any(
        isinstance(cause, duckdb.OutOfMemoryException) or "Out of Memory Error" in str(cause)
        for cause in _exception_chain(error)
    )


def _reopen(pipeline: dlt.Pipeline) -> dlt.Pipeline:
    """Return a fresh instance of `pipeline` that reads its state from the working folder.

    A pipeline object keeps state and schemas in memory, so one created before another
    process extracted or loaded (a crashed sync, a second worker) acts on stale state.
    """
    return dlt.pipeline(
        pipeline_name=pipeline.pipeline_name,
        pipelines_dir=pipeline.pipelines_dir,
        destination=pipeline.destination,
        dataset_name=pipeline.dataset_name,
    )


def _finish_interrupted_load(pipeline: dlt.Pipeline) -> list[str]:
    """Load packages that an interrupted sync extracted but did not load; return their ids.

    A package carries the incremental state of the data in it, so loading it first and
    then reading from that state loads every record exactly once.
    """
    if not pipeline.has_pending_data:
        return []
    logger.warning(
        "Pipeline %s has data from an interrupted sync; loading it before reading Pinpoint",
        pipeline.pipeline_name,
    )
    info = pipeline.run()
    return list(info.loads_ids) if info is not None else []


def _rows_loaded(pipeline: dlt.Pipeline) -> dict[str, int]:
    trace = pipeline.last_trace
    counts: dict[str, int] = dict.fromkeys(TABLES, 0)
    info: Any = trace.last_normalize_info if trace else None
    if info is not None:
        for table, count in info.row_counts.items():
            if table in counts:
                counts[table] = count
    return counts


def _rows_in_loads(pipeline: dlt.Pipeline, load_ids: list[str]) -> dict[str, int]:
    """Count the rows that the packages `load_ids` left in each table.

    dlt's trace counts only the rows this run normalized, and a package that an
    interrupted sync had already normalized is loaded without that. So the rows of
    recovered packages are counted in the destination, by their `_dlt_load_id`.
    """
    if not load_ids:
        return {}
    counts: dict[str, int] = {}
    placeholders = ", ".join(["%s"] * len(load_ids))
    with pipeline.sql_client() as client:
        for table in TABLES:
            name = client.make_qualified_table_name(table)
            try:
                rows = client.execute_sql(
                    f"select count(*) from {name} where "
                    f"{client.escape_column_name('_dlt_load_id')} in ({placeholders})",
                    *load_ids,
                )
            except DatabaseUndefinedRelation:
                continue
            counts[table] = int(rows[0][0]) if rows else 0
    return counts


def _exception_chain(error: BaseException) -> Iterator[BaseException]:
    """Yield `error` and the exceptions it was raised from, each once."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    return any(isinstance(cause, kind) for cause in _exception_chain(error))


def _unwrap(error: PipelineStepFailed) -> Exception:
    """Return the first `PinpointError` behind a dlt step failure, else a `SyncFailedError`."""
    out_of_memory: duckdb.OutOfMemoryException | None = None
    for cause in _exception_chain(error):
        if isinstance(cause, PinpointError):
            return cause
        if isinstance(cause, duckdb.OutOfMemoryException):
            out_of_memory = cause
    if out_of_memory is not None:
        # DuckDB's own hint names SQL settings, which users of the connector cannot run.
        reason = str(out_of_memory).splitlines()[0]
        return SyncFailedError(
            f"sync failed in dlt's {error.step} step because DuckDB ran out of memory "
            f"({reason}). Raise DuckDB's memory limit with --duckdb-memory-limit or "
            "[sources.pinpoint] duckdb_memory_limit"
        )
    return SyncFailedError(f"sync failed in dlt's {error.step} step: {error.exception}")
