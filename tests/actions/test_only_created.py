"""Syncs that load only the candidates and applications the actions created."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import duckdb
import pytest
from actions_helpers import TEST_RETRIES, applicant, open_job
from sync_helpers import Warehouse

import pipelines.pinpoint.source as source_module
from pipelines.actions import ActionSession, create_application, created_references
from pipelines.actions.tracking import (
    CREATED_RECORDS_TABLE,
    CreatedRecord,
    CreatedRecordTracker,
)
from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.deletions import mark_deleted
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.pinpoint.source import REFERENCE_FILTER, listed_tables, pinpoint_source
from pipelines.sandbox import Sandbox, SandboxRequest

SYNCED_TABLES = ["jobs", "candidates", "candidate_tags", "tags", "applications", "interviews"]


def create_tracked(
    settings: PinpointSettings,
    warehouse: Warehouse,
    sandbox: Sandbox,
    keys: list[str],
    *,
    track_each: bool = False,
) -> list[str]:
    """Create one application per key and track them; return their Pinpoint ids.

    With `track_each` every create writes its own tracking rows, as the actions do;
    otherwise the rows are written in one batch, which is faster.
    """
    job = open_job(sandbox)
    pipeline = warehouse.pipeline if track_each else None
    created = []
    with ActionSession(settings, pipeline=pipeline, retry_policy=TEST_RETRIES) as session:
        for number, key in enumerate(keys):
            payload = applicant(job, idempotency_key=key)
            payload["candidate"]["email_address"] = f"person{number}.{key}@example.com"
            result = create_application(session, payload)
            created.append(result["application"]["remote_id"])
    if not track_each:
        records = []
        for remote_id, key in zip(created, keys, strict=True):
            application = sandbox.store.get("applications", remote_id)
            assert application is not None
            candidate = str(application.attributes["candidate_id"])
            records.append(CreatedRecord("applications", remote_id, key, "create_application"))
            records.append(CreatedRecord("candidates", candidate, key, "create_application"))
        CreatedRecordTracker(warehouse.pipeline, settings.account).record(records)
    return created


def sync_created(
    settings: PinpointSettings, warehouse: Warehouse, *, full: bool = True
) -> list[str]:
    """Load the tracked records (and the account's jobs and users); return the load ids."""
    references = created_references(warehouse.pipeline, settings.account)
    with PinpointClient(settings.base_url, settings.api_key, retry_policy=TEST_RETRIES) as client:
        source = pinpoint_source(
            client,
            settings.account,
            full_sync=full,
            window_lag_seconds=0,
            tables=SYNCED_TABLES,
            external_system_references=references,
        )
        info = warehouse.pipeline.run(source)
    return list(info.loads_ids)


def remote_ids(warehouse: Warehouse, table: str) -> list[str]:
    rows = warehouse.query(f"select remote_id from pinpoint.{table} order by remote_id")
    return [str(remote_id) for (remote_id,) in rows]


def table_exists(warehouse: Warehouse, table: str) -> bool:
    with duckdb.connect(str(warehouse.path), read_only=True) as connection:
        found = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'pinpoint' and table_name = ?",
            [table],
        ).fetchone()
    return bool(found and found[0])


def start_capture(sandbox: Sandbox) -> Callable[[str], list[SandboxRequest]]:
    """Record the sandbox's requests from now on; return a lookup of them by path."""
    seen: list[SandboxRequest] = []
    sandbox.on_request(seen.append)

    def requests_to(path: str) -> list[SandboxRequest]:
        return [request for request in seen if request.path == path]

    return requests_to


def test_only_created_records_loaded(
    tiny: Sandbox,
    tiny_settings: PinpointSettings,
    warehouse: Warehouse,
) -> None:
    created = create_tracked(tiny_settings, warehouse, tiny, ["crm-1", "crm-2"], track_each=True)
    tiny.clock.advance(5)
    capture = start_capture(tiny)

    load_ids = sync_created(tiny_settings, warehouse)

    assert remote_ids(warehouse, "applications") == sorted(created)
    candidates = {
        str(tiny.store.get("applications", remote_id).attributes["candidate_id"])  # type: ignore[union-attr]
        for remote_id in created
    }
    assert set(remote_ids(warehouse, "candidates")) == candidates
    assert warehouse.scalar("select count(*) from pinpoint.jobs") == tiny.store.count("jobs")
    # Interviews cannot be filtered by reference, so none are read; the table still
    # exists with its contract columns, so reports built on it run.
    assert table_exists(warehouse, "interviews")
    assert warehouse.scalar("select count(*) from pinpoint.interviews") == 0
    for path in ("/candidates", "/applications"):
        requests = capture(path)
        assert requests, f"{path} was not read"
        assert all(REFERENCE_FILTER in request.params for request in requests), path

    marked = mark_deleted(
        warehouse.pipeline,
        tiny_settings.account,
        load_ids,
        listed_tables([t for t in SYNCED_TABLES if t != "interviews"]),
        datetime.now(UTC),
    )
    assert marked.get("candidates", 0) == 0
    assert marked.get("applications", 0) == 0


def test_later_creates_picked_up_by_delta(
    tiny: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    create_tracked(tiny_settings, warehouse, tiny, ["crm-1"])
    tiny.clock.advance(5)
    sync_created(tiny_settings, warehouse)

    [later] = create_tracked(tiny_settings, warehouse, tiny, ["crm-3"])
    tiny.clock.advance(5)
    sync_created(tiny_settings, warehouse, full=False)

    assert later in remote_ids(warehouse, "applications")
    assert len(remote_ids(warehouse, "applications")) == 2


def test_references_read_in_chunks(
    tiny: Sandbox,
    tiny_settings: PinpointSettings,
    warehouse: Warehouse,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    created = create_tracked(tiny_settings, warehouse, tiny, ["crm-1", "crm-2", "crm-3"])
    tiny.clock.advance(5)
    capture = start_capture(tiny)
    monkeypatch.setattr(source_module, "REFERENCES_PER_REQUEST", 2)

    sync_created(tiny_settings, warehouse)

    assert remote_ids(warehouse, "applications") == sorted(created)
    filters = {request.params[REFERENCE_FILTER] for request in capture("/applications")}
    assert filters >= {"crm-1,crm-2", "crm-3"}


def test_no_tracked_records_reads_none(
    tiny: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    capture = start_capture(tiny)

    sync_created(tiny_settings, warehouse)

    assert capture("/candidates") == []
    assert capture("/applications") == []
    assert warehouse.scalar("select count(*) from pinpoint.jobs") == tiny.store.count("jobs")


def test_tracking_table_rows(
    tiny: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    [application] = create_tracked(tiny_settings, warehouse, tiny, ["crm-5"], track_each=True)

    rows = warehouse.query(
        f"select table_name, remote_id, external_system_reference, action, account "
        f"from pinpoint.{CREATED_RECORDS_TABLE} order by table_name"
    )

    stored = tiny.store.get("applications", application)
    assert stored is not None
    candidate = str(stored.attributes["candidate_id"])
    assert rows == [
        ("applications", application, "crm-5", "create_application", "test"),
        ("candidates", candidate, "crm-5", "create_application", "test"),
    ]
