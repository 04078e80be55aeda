"""Deletions: full syncs mark vanished records, refreshed parents mark dropped children."""

from __future__ import annotations

from dataclasses import replace

from sync_helpers import Warehouse

from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.sandbox import Sandbox

DATASET = "pinpoint"


def deleted_at(warehouse: Warehouse, table: str, model: str, remote_id: str) -> object:
    row_id = unified_id("test", model, remote_id)
    rows = warehouse.query(f"select remote_deleted_at from {DATASET}.{table} where id = '{row_id}'")
    assert len(rows) == 1, f"{table} has {len(rows)} rows for {model} {remote_id}"
    return rows[0][0]


def replace_record(account: Sandbox, record: object) -> None:
    """Put a changed copy of a record back into the sandbox store."""
    with account.store.lock:
        account.store._put(record)  # type: ignore[arg-type]


def test_full_sync_marks_deleted_application(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    application = account.store.records("applications")[0]
    account.store.delete("applications", application.id)
    account.clock.advance(300)

    delta = warehouse.sync(settings)
    assert deleted_at(warehouse, "applications", "applications", application.id) is None
    assert delta.rows_marked_deleted.get("applications", 0) == 0

    full = warehouse.sync(settings, full=True)
    assert deleted_at(warehouse, "applications", "applications", application.id) is not None
    assert full.rows_marked_deleted["applications"] == 1
    live = warehouse.scalar(
        f"select count(*) from {DATASET}.applications where remote_deleted_at is null"
    )
    assert live == account.store.count("applications")


def test_deleted_record_revived_when_back(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    candidate = account.store.records("candidates")[3]
    applications = [
        app
        for app in account.store.records("applications")
        if app.attributes["candidate_id"] == candidate.id
    ]
    account.store.delete("candidates", candidate.id)
    account.clock.advance(300)
    warehouse.sync(settings, full=True)
    assert deleted_at(warehouse, "candidates", "candidates", candidate.id) is not None
    for application in applications:
        assert deleted_at(warehouse, "applications", "applications", application.id) is not None

    replace_record(account, candidate)
    account.store.touch("candidates", candidate.id)
    account.clock.advance(300)
    warehouse.sync(settings, full=True)

    assert deleted_at(warehouse, "candidates", "candidates", candidate.id) is None


def test_deleted_job_marks_its_children(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    job = account.store.records("jobs")[0]
    job_id = unified_id("test", "jobs", job.id)
    account.store.delete("jobs", job.id)
    account.clock.advance(300)

    warehouse.sync(settings, full=True)

    assert deleted_at(warehouse, "jobs", "jobs", job.id) is not None
    for table in ("application_stages", "job_application_stages", "job_hiring_team_members"):
        live_children = warehouse.scalar(
            f"select count(*) from {DATASET}.{table} "
            f"where job_id = '{job_id}' and remote_deleted_at is null"
        )
        assert live_children == 0, f"{table} keeps live rows of a deleted job"


def test_stage_dropped_from_job_marked(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    job = account.store.records("jobs")[1]
    stage_refs = job.to_many("stages")
    dropped = stage_refs[-1]
    relationships = {**job.relationships, "stages": stage_refs[:-1]}
    replace_record(account, replace(job, relationships=relationships))
    account.store.touch("jobs", job.id)
    account.clock.advance(300)

    # A delta sync refreshes the job, which is enough to see that it dropped a stage.
    warehouse.sync(settings)

    assert deleted_at(warehouse, "application_stages", "application_stages", dropped[1]) is not None
    join_id = unified_id("test", "job_application_stages", f"{job.id}:{dropped[1]}")
    rows = warehouse.query(
        f"select remote_deleted_at from {DATASET}.job_application_stages where id = '{join_id}'"
    )
    assert rows[0][0] is not None
    kept = stage_refs[0][1]
    assert deleted_at(warehouse, "application_stages", "application_stages", kept) is None


def test_tag_removed_from_candidate_marked(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    candidate = next(
        record
        for record in account.store.records("candidates")
        if len(record.extra_attributes.get("tags") or []) >= 2
    )
    warehouse.sync(settings)
    tags = candidate.extra_attributes["tags"]
    removed, kept = tags[0], tags[1:]
    replace_record(
        account, replace(candidate, extra_attributes={**candidate.extra_attributes, "tags": kept})
    )
    account.store.touch("candidates", candidate.id)
    account.clock.advance(300)

    warehouse.sync(settings)

    def link_deleted_at(tag: dict) -> object:
        remote = f"{candidate.id}:{tag['context']}:{tag['name']}"
        link_id = unified_id("test", "candidate_tags", remote)
        rows = warehouse.query(
            f"select remote_deleted_at from {DATASET}.candidate_tags where id = '{link_id}'"
        )
        assert len(rows) == 1
        return rows[0][0]

    assert link_deleted_at(removed) is not None
    assert link_deleted_at(kept[0]) is None
