"""Presets end to end: what each one loads, scanned across the whole DuckDB file."""

from __future__ import annotations

import json

import pytest
from privacy_helpers import (
    TEST_KEY,
    SyncedWarehouse,
    person_needles,
    scan_database,
    user_needles,
)
from sync_helpers import Warehouse

from pipelines.pinpoint.privacy import resolve_privacy
from pipelines.pinpoint.privacy_filter import Pseudonymiser
from pipelines.pinpoint.privacy_inventory import Category
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.reporting import REPORTS
from pipelines.sandbox import Sandbox

DATASET = "pinpoint"


def test_analytics_loads_no_personal_value(
    shared_account: Sandbox, analytics_sync: SyncedWarehouse
) -> None:
    needles = person_needles(shared_account) | user_needles(shared_account)
    assert needles.exact and needles.contained

    findings = scan_database(analytics_sync.warehouse.path, needles)

    assert findings == []


def test_scan_finds_values_without_policy(
    shared_account: Sandbox, plain_sync: SyncedWarehouse
) -> None:
    needles = person_needles(shared_account) | user_needles(shared_account)
    findings = scan_database(plain_sync.warehouse.path, needles)
    locations = {finding.location for finding in findings}

    # The scan itself works: the same account loaded without a policy is full of them.
    assert f"{DATASET}.candidates.first_name" in locations
    assert f"{DATASET}.candidates.email_addresses" in locations
    assert f"{DATASET}.applications.remote_data" in locations
    assert f"{DATASET}.users.email" in locations
    # dlt empties its staging tables after each load, so no copy is left there.
    assert not any(location.startswith(f"{DATASET}_staging.") for location in locations)


def test_analytics_keeps_reporting_columns(
    plain_sync: SyncedWarehouse, analytics_sync: SyncedWarehouse
) -> None:
    columns = (
        "id, remote_id, outcome, current_stage_id, furthest_stage_id, job_id, candidate_id, "
        "source, hired_at, rejected_at, remote_created_at, concealed"
    )
    plain = plain_sync.warehouse.query(f"select {columns} from {DATASET}.applications order by id")
    analytics = analytics_sync.warehouse.query(
        f"select {columns} from {DATASET}.applications order by id"
    )
    assert analytics == plain

    job_columns = "id, name, status, department, opened_at, closed_at, location"
    assert analytics_sync.warehouse.query(
        f"select {job_columns} from {DATASET}.jobs order by id"
    ) == plain_sync.warehouse.query(f"select {job_columns} from {DATASET}.jobs order by id")


def test_analytics_reports_match_plain_reports(
    plain_sync: SyncedWarehouse, analytics_sync: SyncedWarehouse
) -> None:
    assert analytics_sync.result.reports == list(REPORTS)
    funnel = f"select * from {DATASET}_reports.job_stage_funnel order by job_id, funnel_position"
    analytics_rows = analytics_sync.warehouse.query(funnel)

    assert analytics_rows
    assert analytics_rows == plain_sync.warehouse.query(funnel)


def test_analytics_pseudonymises_emails(
    shared_account: Sandbox, analytics_sync: SyncedWarehouse
) -> None:
    pseudonymiser = Pseudonymiser(TEST_KEY.encode())
    candidate = next(
        record
        for record in shared_account.store.records("candidates")
        if record.attributes.get("email") and "@" in record.attributes["email"]
    )
    raw = analytics_sync.warehouse.scalar(
        f"select email_addresses from {DATASET}.candidates where remote_id = '{candidate.id}'"
    )
    loaded = json.loads(str(raw))

    expected = pseudonymiser.pseudonym(candidate.attributes["email"], Category.EMAIL)
    assert loaded == [{"email_address": expected, "type": None}]


def test_pseudonyms_stable_across_pipelines(
    shared_settings: PinpointSettings,
    analytics_sync: SyncedWarehouse,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    second = Warehouse(tmp_path_factory.mktemp("analytics_again"))
    second.sync(shared_settings, **resolve_privacy("analytics").sync_options(key=TEST_KEY))

    for sql in (
        f"select id, email_addresses, phone_numbers from {DATASET}.candidates order by id",
        f"select id, email from {DATASET}.users order by id",
    ):
        first_rows = analytics_sync.warehouse.query(sql)
        assert any(value is not None for row in first_rows for value in row[1:])
        assert second.query(sql) == first_rows


def test_strict_loads_no_personal_column(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    result = warehouse.sync(tiny_settings, **resolve_privacy("strict").sync_options())

    needles = person_needles(tiny_account) | user_needles(tiny_account)
    assert scan_database(warehouse.path, needles) == []
    assert result.reports == list(REPORTS)
    leftovers = warehouse.scalar(
        f"select count(*) from {DATASET}.candidates where first_name is not null "
        "or email_addresses is not null or location is not null or remote_data is not null"
    )
    assert leftovers == 0


def test_loaded_job_files_removed(plain_sync: SyncedWarehouse) -> None:
    pipeline = plain_sync.warehouse.pipeline
    packages = pipeline.list_completed_load_packages()
    leftovers = [
        job.file_path
        for load_id in packages
        for job in pipeline.get_load_package_info(load_id).jobs.get("completed_jobs", [])
    ]

    assert packages
    assert leftovers == []


def test_remote_data_never_has_attachments(plain_sync: SyncedWarehouse) -> None:
    for table in ("candidates", "applications", "interviews", "jobs"):
        rows = plain_sync.warehouse.query(f"select remote_data from {DATASET}.{table}")
        assert rows, f"{table} is empty"
        for (raw,) in rows:
            for resource in json.loads(raw).values():
                assert "attachments" not in resource["attributes"], f"{table} has attachments"
