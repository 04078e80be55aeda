"""Erase the personal data of people Pinpoint erased or deleted, and purge old deletions.

`ErasureStep` runs after each load (a `run_sync` after-load step). In order:

1. Register: candidates loaded since the last check are read back. Those the row filter
   saw with every identifying attribute empty are added to the register table
   `_pinpoint_erasures`. The filter marks them with `meta.personal_data_erased` on the raw
   resource and, in this process, in its `ErasureTracker`. Candidates loaded again with
   personal data leave the register. `_pinpoint_erasure_checks` lists the load ids
   already read, so a step that failed is caught up by the next one.
2. Scrub: rows of people in the register, and rows marked `remote_deleted_at`, get their
   personal columns (`privacy_inventory.PERSONAL_COLUMNS`) set to null. An application of
   such a candidate, and an interview of such an application, lose `remote_data`.
3. Staging: the same rows are deleted from dlt's staging dataset (`<dataset>_staging`),
   which keeps the rows of the last load that wrote each table.
4. Purge: rows marked `remote_deleted_at` more than `retention_days` ago are deleted from
   every table, from staging and from the stage observations table.
5. Local files: the job files of completed load packages in the pipeline's working
   folder are deleted, as dlt's `load.delete_completed_jobs` would.

Every statement is plain SQL through `pipeline.sql_client()` with `%s` parameters, and
every step is idempotent, so it is safe to run again after a failure.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dlt

from pipelines.pinpoint.privacy_filter import ERASED_MARKER, ErasureTracker, candidate_erased
from pipelines.pinpoint.privacy_inventory import ERASURE_CASCADE, PERSONAL_COLUMNS
from pipelines.pinpoint.privacy_sql import CHECKS_TABLE, REGISTER_TABLE, PrivacySql
from pipelines.pinpoint.tables import TABLES
from pipelines.reporting import OBSERVATIONS_TABLE

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "ErasureStep",
    "loaded_erasure_state",
    "remove_loaded_job_files",
]

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_DAYS = 30


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ErasureStep:
    """An after-load step: `step(pipeline, load_ids)` returns rows changed per table.

    `tracker` is the `ErasureTracker` of the row filter used in the same sync, if any.
    `clock` returns the current time; tests move it forward to reach the retention limit.
    """

    retention_days: int = DEFAULT_RETENTION_DAYS
    tracker: ErasureTracker | None = None
    clock: Callable[[], datetime] = field(default=_utc_now)
    remove_loaded_files: bool = True

    def __call__(self, pipeline: dlt.Pipeline, load_ids: list[str]) -> dict[str, int]:
        now = self.clock()
        changed: dict[str, int] = {}
        with pipeline.sql_client() as client:
            sql = PrivacySql(client)
            if "candidates" in sql.tables:
                changed[REGISTER_TABLE] = self._update_register(sql, load_ids, now)
            for table in PERSONAL_COLUMNS:
                changed[table] = _scrub(sql, table)
            for table in (*PERSONAL_COLUMNS, "candidate_tags"):
                with client.begin_transaction():
                    staged = sql.delete_staged(table, _erasure_condition(sql, table))
                changed[sql.staging_name(table)] = staged
            cutoff = now - timedelta(days=self.retention_days)
            for table, count in _purge(sql, cutoff).items():
                changed[table] = changed.get(table, 0) + count
        if self.remove_loaded_files:
            remove_loaded_job_files(pipeline)
        changed = {table: count for table, count in changed.items() if count}
        for table, count in sorted(changed.items()):
            logger.info("Privacy erasure changed %d row(s) of %s", count, table)
        return changed

    def _update_register(self, sql: PrivacySql, load_ids: Sequence[str], now: datetime) -> int:
        """Record erased candidates and forget candidates loaded with personal data again."""
        sql.create_register_tables()
        erased, present, checked_loads = _scan_loaded_candidates(sql)
        tracked_erased, tracked_present = (
            self.tracker.pending() if self.tracker else (frozenset(), frozenset())
        )
        # The tracker saw the rows before the policy changed them, so it wins.
        erased = (erased - tracked_present) | tracked_erased
        present = (present - tracked_erased) | tracked_present

        registered = sql.register_ids()
        added = sorted(erased - registered)
        removed = sorted(present & registered)
        new_loads = sorted((set(checked_loads) | set(load_ids)) - sql.checked_load_ids())
        with sql.client.begin_transaction():
            sql.delete_register_entries(removed)
            sql.insert_rows(
                REGISTER_TABLE, ("candidate_id", "recorded_at"), [(i, now) for i in added]
            )
            sql.insert_rows(CHECKS_TABLE, ("load_id", "checked_at"), [(i, now) for i in new_loads])
        if self.tracker:
            self.tracker.forget(tracked_erased, tracked_present)
        return len(added) + len(removed)


def _scan_loaded_candidates(sql: PrivacySql) -> tuple[set[str], set[str], set[str]]:
    """Return (erased ids, ids with personal data, load ids) of candidates not yet checked.

    A row whose `remote_data` is null (dropped by the policy) counts as neither.
    """
    erased: set[str] = set()
    present: set[str] = set()
    loads: set[str] = set()
    if "_dlt_load_id" not in sql.columns("candidates"):
        logger.warning("candidates has no _dlt_load_id column; erased candidates are not read back")
        return erased, present, loads
    for candidate_id, remote_data, load_id in sql.unchecked_candidates():
        loads.add(str(load_id))
        state = loaded_erasure_state(remote_data)
        if state is not None:
            (erased if state else present).add(str(candidate_id))
    return erased, present, loads


def loaded_erasure_state(remote_data: Any) -> bool | None:
    """Return whether a loaded candidate's `remote_data` shows an erased candidate.

    The row filter's `meta.personal_data_erased` decides. A resource without it was loaded
    without the row filter, so its raw identifying attributes decide. Returns None for a
    null or unreadable `remote_data`.
    """
    document = json.loads(remote_data) if isinstance(remote_data, str) else remote_data
    if not isinstance(document, dict) or not document:
        return None
    for resource in document.values():
        meta = resource.get("meta") if isinstance(resource, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get(ERASED_MARKER), bool):
            return bool(meta[ERASED_MARKER])
    return any(candidate_erased(resource) for resource in document.values())


def _erasure_condition(sql: PrivacySql, table: str) -> str | None:
    """Return the SQL condition selecting rows of `table` whose personal data must go."""
    if table not in sql.tables:
        return None
    escape = sql.escape
    parts = [f"{escape('remote_deleted_at')} is not null"]
    if table == "candidates" and REGISTER_TABLE in sql.tables:
        register = sql.table(REGISTER_TABLE)
        parts.append(f"{escape('id')} in (select {escape('candidate_id')} from {register})")
    for child, column, parent in ERASURE_CASCADE:
        parent_condition = _erasure_condition(sql, parent) if child == table else None
        if parent_condition is not None:
            parts.append(
                f"{escape(column)} in (select {escape('id')} from {sql.table(parent)} "
                f"where {parent_condition})"
            )
    return " or ".join(f"({part})" for part in parts)


def _scrub(sql: PrivacySql, table: str) -> int:
    condition = _erasure_condition(sql, table)
    present = sql.columns(table)
    columns = [column for column in PERSONAL_COLUMNS[table] if column in present]
    if condition is None or not columns:
        return 0
    escape = sql.escape
    assignments = ", ".join(f"{escape(column)} = null" for column in columns)
    not_empty = " or ".join(f"{escape(column)} is not null" for column in columns)
    with sql.client.begin_transaction():
        return sql.execute_count(
            f"update {sql.table(table)} set {assignments} where ({condition}) and ({not_empty})"
        )


def _purge(sql: PrivacySql, cutoff: datetime) -> dict[str, int]:
    """Delete rows marked deleted before `cutoff`, with their staging rows and observations."""
    purged: dict[str, int] = {}
    escape = sql.escape
    expired = f"{escape('remote_deleted_at')} < %s"
    for table in TABLES:
        if table not in sql.tables:
            continue
        expired_ids = f"select {escape('id')} from {sql.table(table)} where {expired}"
        with sql.client.begin_transaction():
            if table == "applications" and "application_id" in sql.columns(OBSERVATIONS_TABLE):
                purged[OBSERVATIONS_TABLE] = sql.execute_count(
                    f"delete from {sql.table(OBSERVATIONS_TABLE)} "
                    f"where {escape('application_id')} in ({expired_ids})",
                    cutoff,
                )
            if table == "candidates" and REGISTER_TABLE in sql.tables:
                purged[REGISTER_TABLE] = sql.execute_count(
                    f"delete from {sql.table(REGISTER_TABLE)} "
                    f"where {escape('candidate_id')} in ({expired_ids})",
                    cutoff,
                )
            purged[sql.staging_name(table)] = sql.delete_staged(table, expired, cutoff)
            purged[table] = sql.execute_count(
                f"delete from {sql.table(table)} where {expired}", cutoff
            )
    return purged


def remove_loaded_job_files(pipeline: dlt.Pipeline) -> int:
    """Delete the job files of completed load packages; return how many were deleted.

    dlt keeps every loaded file (parquet with the loaded rows) in the pipeline's working
    folder unless `load.delete_completed_jobs` is set. The package folders and their
    state stay, so dlt's history of loads is unchanged.
    """
    removed = 0
    for load_id in pipeline.list_completed_load_packages():
        info = pipeline.get_load_package_info(load_id)
        for job in info.jobs.get("completed_jobs", []):
            path = Path(job.file_path)
            if path.is_file():
                path.unlink()
                removed += 1
    if removed:
        logger.info("Deleted %d job file(s) of loaded packages", removed)
    return removed
