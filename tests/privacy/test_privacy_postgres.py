"""Privacy end to end on a real PostgreSQL server: the erasure SQL is not DuckDB-only.

Without PINPOINT_TEST_POSTGRES_URL these tests skip; `.ci/start-postgres` starts a server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dlt
import pytest
from privacy_helpers import (
    ERASED_FIELDS,
    TEST_KEY,
    interviewed_candidate,
    person_needles,
    row_id,
    scan_schemas,
    user_needles,
)
from sync_helpers import TEST_RETRIES

from pipelines.pinpoint.erasure import ErasureStep
from pipelines.pinpoint.privacy import resolve_privacy
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.reporting import reports_schema_name
from pipelines.sandbox import Sandbox
from pipelines.sync import make_pipeline, run_sync

POSTGRES_URL = os.environ.get("PINPOINT_TEST_POSTGRES_URL", "")
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PINPOINT_TEST_POSTGRES_URL is not set; "
    'run eval "$(.ci/start-postgres)" to test on Postgres',
)


@pytest.fixture
def postgres_pipeline(tmp_path: Path) -> Iterator[dlt.Pipeline]:
    """A pipeline into a fresh dataset of the test server, dropped afterwards."""
    dataset = f"privacy_{uuid.uuid4().hex[:10]}"
    pipeline = make_pipeline(
        destination=dlt.destinations.postgres(credentials=POSTGRES_URL),
        dataset=dataset,
        pipeline_name="pinpoint_privacy_pg",
        pipelines_dir=tmp_path / "pipelines",
    )
    yield pipeline
    with pipeline.sql_client() as client:
        for schema in (dataset, f"{dataset}_staging", reports_schema_name(dataset)):
            client.execute_sql(f'drop schema if exists "{schema}" cascade')


def test_postgres_erasure_and_purge(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, postgres_pipeline: dlt.Pipeline
) -> None:
    pipeline = postgres_pipeline
    dataset = pipeline.dataset_name
    schemas = (dataset, f"{dataset}_staging", reports_schema_name(dataset))
    options = resolve_privacy("none").sync_options()
    run_sync(tiny_settings, pipeline, retry_policy=TEST_RETRIES, **options)
    erased, _ = interviewed_candidate(tiny_account)
    erased_needles = person_needles(tiny_account, [erased.id])
    assert scan_schemas(pipeline, schemas, erased_needles)
    deleted = next(
        record
        for record in tiny_account.store.records("candidates")
        if record.id != erased.id
        and tiny_account.store.pointing_at("applications", "candidate", record.ref)
    )
    deleted_needles = person_needles(tiny_account, [deleted.id])

    tiny_account.store.update_candidate(erased.id, **ERASED_FIELDS)
    tiny_account.store.delete("candidates", deleted.id)
    tiny_account.clock.advance(300)
    run_sync(tiny_settings, pipeline, full=True, retry_policy=TEST_RETRIES, **options)

    assert scan_schemas(pipeline, schemas, erased_needles) == []
    assert scan_schemas(pipeline, schemas, deleted_needles) == []
    with pipeline.sql_client() as client:
        registered = client.execute_sql(f'select candidate_id from "{dataset}"._pinpoint_erasures')
    assert [tuple(row) for row in registered or []] == [(row_id("candidates", erased.id),)]

    later = datetime.now(UTC) + timedelta(days=31)
    purged = ErasureStep(retention_days=30, clock=lambda: later)(pipeline, [])

    assert purged["candidates"] == 1
    with pipeline.sql_client() as client:
        left = client.execute_sql(
            f'select count(*) from "{dataset}".candidates where id = %s',
            row_id("candidates", deleted.id),
        )
    assert left is not None and left[0][0] == 0


def test_postgres_analytics_loads_no_personal_value(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, postgres_pipeline: dlt.Pipeline
) -> None:
    pipeline = postgres_pipeline
    dataset = pipeline.dataset_name
    options = resolve_privacy("analytics").sync_options(key=TEST_KEY)

    result = run_sync(tiny_settings, pipeline, retry_policy=TEST_RETRIES, **options)

    assert result.reports
    schemas = (dataset, f"{dataset}_staging", reports_schema_name(dataset))
    needles = person_needles(tiny_account) | user_needles(tiny_account)
    assert scan_schemas(pipeline, schemas, needles) == []
