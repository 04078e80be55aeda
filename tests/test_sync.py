"""End-to-end syncs from the sandbox over loopback HTTP into DuckDB."""

from __future__ import annotations

import json

import pytest
from sync_helpers import Warehouse

from pipelines.pinpoint.errors import PinpointAuthenticationError
from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import Sandbox

DATASET = "pinpoint"


def columns_of(warehouse: Warehouse, table: str) -> list[str]:
    rows = warehouse.query(
        "select column_name from information_schema.columns "
        f"where table_schema = '{DATASET}' and table_name = '{table}' order by ordinal_position"
    )
    return [name for (name,) in rows]


def count(warehouse: Warehouse, table: str) -> int:
    return int(warehouse.scalar(f"select count(*) from {DATASET}.{table}"))  # type: ignore[arg-type]


def test_full_sync_loads_every_contract_column(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)

    for table, spec in TABLES.items():
        loaded = columns_of(warehouse, table)
        missing = [column for column in spec.column_names if column not in loaded]
        assert not missing, f"{table} lacks contract columns {missing}"


def test_full_sync_row_counts_match_sandbox(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    store = account.store

    assert count(warehouse, "users") == store.count("users")
    assert count(warehouse, "jobs") == store.count("jobs")
    assert count(warehouse, "candidates") == store.count("candidates")
    # Every visibility, confidential jobs included, reaches the warehouse.
    assert count(warehouse, "applications") == store.count("applications")
    assert count(warehouse, "interviews") == store.count("interviews")
    assert count(warehouse, "application_stages") == store.count("stages")
    assert count(warehouse, "job_application_stages") == store.count("stages")
    assert count(warehouse, "screening_questions") == store.count("questions")
    for table in ("tags", "candidate_tags", "job_screening_questions", "job_hiring_team_members"):
        assert count(warehouse, table) > 0, f"{table} is empty"


def test_confidential_job_applications_loaded(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    confidential_jobs = [
        job
        for job in account.store.records("jobs")
        if job.attributes["visibility"] == "confidential"
    ]
    assert confidential_jobs, "the sandbox account should contain a confidential job"
    loaded = warehouse.scalar(
        f"select count(*) from {DATASET}.applications as a join {DATASET}.jobs as j "
        "on j.id = a.job_id where j.confidential"
    )
    expected = sum(
        1
        for application in account.store.records("applications")
        if application.attributes["job_id"] in {job.id for job in confidential_jobs}
    )
    assert loaded == expected


def test_foreign_keys_resolve(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    orphans = {
        "applications.job_id": f"select count(*) from {DATASET}.applications a "
        f"left join {DATASET}.jobs j on j.id = a.job_id where j.id is null",
        "applications.candidate_id": f"select count(*) from {DATASET}.applications a "
        f"left join {DATASET}.candidates c on c.id = a.candidate_id where c.id is null",
        "applications.current_stage_id": f"select count(*) from {DATASET}.applications a "
        f"left join {DATASET}.application_stages s on s.id = a.current_stage_id where s.id is null",
        "interviews.application_id": f"select count(*) from {DATASET}.interviews i "
        f"left join {DATASET}.applications a on a.id = i.application_id where a.id is null",
        "candidate_tags.tag_id": f"select count(*) from {DATASET}.candidate_tags ct "
        f"left join {DATASET}.tags t on t.id = ct.tag_id where t.id is null",
        "job_hiring_team_members.user_id": "select count(*) from "
        f"{DATASET}.job_hiring_team_members m "
        f"left join {DATASET}.users u on u.id = m.user_id where u.id is null",
    }
    for name, sql in orphans.items():
        assert warehouse.scalar(sql) == 0, f"{name} points at missing rows"


def test_second_sync_without_changes_writes_nothing(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    first = warehouse.sync(settings)
    counts_before = {table: count(warehouse, table) for table in TABLES}
    account.clock.advance(300)

    second = warehouse.sync(settings)

    assert sum(first.rows_loaded.values()) > 0
    assert second.rows_loaded == dict.fromkeys(TABLES, 0)
    assert {table: count(warehouse, table) for table in TABLES} == counts_before


def test_delta_sync_picks_up_stage_move(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    store = account.store
    application = next(
        app
        for app in store.records("applications")
        if app.attributes["hired_at"] is None and app.attributes["rejected_at"] is None
    )
    job_stages = [
        stage
        for stage in store.records("stages")
        if stage.relationships.get("stageable") == application.relationships["job"]
    ]
    hired_stage = next(stage for stage in job_stages if stage.attributes["basic_type"] == "hired")
    store.move_application(application.id, hired_stage.id)
    account.clock.advance(300)

    result = warehouse.sync(settings)

    application_id = unified_id("test", "applications", application.id)
    row = warehouse.query(
        f"select current_stage_id, outcome, hired_at is not null from {DATASET}.applications "
        f"where id = '{application_id}'"
    )
    assert row == [(unified_id("test", "application_stages", hired_stage.id), "HIRED", True)]
    assert result.rows_loaded["applications"] == 1
    assert count(warehouse, "applications") == store.count("applications")


def test_delta_sync_picks_up_candidate_edit(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    candidate = account.store.records("candidates")[0]
    account.store.update_candidate(candidate.id, first_name="Renamed")
    account.clock.advance(300)

    result = warehouse.sync(settings)

    candidate_id = unified_id("test", "candidates", candidate.id)
    assert warehouse.query(
        f"select first_name from {DATASET}.candidates where id = '{candidate_id}'"
    ) == [("Renamed",)]
    assert result.rows_loaded["candidates"] == 1


def test_remote_data_keyed_by_path(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    warehouse.sync(settings)
    remote_id, raw = warehouse.query(
        f"select remote_id, remote_data from {DATASET}.applications order by remote_id limit 1"
    )[0]
    document = json.loads(raw) if isinstance(raw, str) else raw
    assert list(document) == [f"/applications/{remote_id}"]
    assert account.api_key not in json.dumps(document)


def test_funnel_report_built(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    result = warehouse.sync(settings)
    assert "job_stage_funnel" in result.reports
    first_stage_reached = warehouse.scalar(
        "select sum(reached_count) from pinpoint_reports.job_stage_funnel where funnel_position = 1"
    )
    # Every application reaches its job's first funnel stage.
    assert first_stage_reached == count(warehouse, "applications")
    impossible = warehouse.scalar(
        "select count(*) from pinpoint_reports.job_stage_funnel "
        "where conversion_from_previous > 1 or conversion_from_first > 1"
    )
    assert impossible == 0


def test_invalid_key_raises_clear_error(account: Sandbox, warehouse: Warehouse) -> None:
    wrong = resolve_settings(api_key="wrong-key-123", base_url=account.base_url, account="test")
    with pytest.raises(PinpointAuthenticationError) as caught:
        warehouse.sync(wrong)
    message = str(caught.value)
    assert "HTTP 401" in message
    assert "Invalid API key" in message
    assert "wrong-key-123" not in message
    assert "pinpoint demo" in message


def test_sliced_parallel_sync_loads_each_once(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    # Pages of 25 make every large endpoint worth splitting into parallel time slices.
    warehouse.sync(settings, page_size=25, max_concurrency=4)

    for table, model in (
        ("applications", "applications"),
        ("candidates", "candidates"),
        ("interviews", "interviews"),
    ):
        assert count(warehouse, table) == account.store.count(model), table
        duplicates = warehouse.scalar(
            f"select count(*) - count(distinct id) from {DATASET}.{table}"
        )
        assert duplicates == 0, table
