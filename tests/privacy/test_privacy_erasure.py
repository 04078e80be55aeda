"""Erasure end to end: candidates erased or deleted in Pinpoint lose every personal copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from privacy_helpers import (
    ERASED_FIELDS,
    TEST_KEY,
    interviewed_candidate,
    person_needles,
    row_id,
    scan_database,
)
from sync_helpers import Warehouse

from pipelines.pinpoint.erasure import ErasureStep
from pipelines.pinpoint.privacy import resolve_privacy
from pipelines.pinpoint.privacy_filter import Pseudonymiser
from pipelines.pinpoint.privacy_inventory import Category
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.sandbox import Sandbox

DATASET = "pinpoint"


def test_erased_candidate_gone_after_delta_sync(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    options = resolve_privacy("none").sync_options()
    warehouse.sync(tiny_settings, **options)
    candidate, applications = interviewed_candidate(tiny_account)
    needles = person_needles(tiny_account, [candidate.id])
    assert scan_database(warehouse.path, needles), "the candidate's data should be loaded first"

    tiny_account.store.update_candidate(candidate.id, **ERASED_FIELDS)
    tiny_account.clock.advance(300)
    result = warehouse.sync(tiny_settings, **options)

    assert scan_database(warehouse.path, needles) == []
    assert result.rows_changed_after_load.get("applications", 0) == len(applications)
    candidate_id = row_id("candidates", candidate.id)
    registered = warehouse.query(f"select candidate_id from {DATASET}._pinpoint_erasures")
    assert registered == [(candidate_id,)]
    # The rows stay for counting, without personal columns.
    remaining = warehouse.scalar(
        f"select count(*) from {DATASET}.applications where candidate_id = '{candidate_id}'"
    )
    assert remaining == len(applications)
    assert warehouse.query(
        f"select remote_deleted_at, first_name, email_addresses, location, remote_data "
        f"from {DATASET}.candidates where id = '{candidate_id}'"
    ) == [(None, None, None, None, None)]

    # The sandbox keeps the old details on the application, as a Pinpoint copy would, and
    # a change to the application loads them again.
    assert applications[0].attributes["first_name"] is not None
    tiny_account.store.touch("applications", applications[0].id)
    tiny_account.clock.advance(300)
    reloaded = warehouse.sync(tiny_settings, **options)

    assert reloaded.rows_loaded["applications"] == 1
    assert scan_database(warehouse.path, needles) == []
    again = options["after_load"][0](warehouse.pipeline, [])
    assert again == {}, "a second erasure run should change nothing"


def test_register_filled_from_marker_after_failed_step(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    policy = resolve_privacy("none")
    warehouse.sync(tiny_settings, **policy.sync_options())
    candidate, _ = interviewed_candidate(tiny_account)
    needles = person_needles(tiny_account, [candidate.id])
    tiny_account.store.update_candidate(candidate.id, **ERASED_FIELDS)
    tiny_account.clock.advance(300)

    # A sync whose erasure step never ran, as after a crash between load and step.
    warehouse.sync(tiny_settings, row_filter=policy.row_filter())
    assert scan_database(warehouse.path, needles), "nothing should be erased without the step"
    ErasureStep()(warehouse.pipeline, [])

    assert scan_database(warehouse.path, needles) == []
    registered = warehouse.query(f"select candidate_id from {DATASET}._pinpoint_erasures")
    assert registered == [(row_id("candidates", candidate.id),)]


def test_deleted_candidate_erased_then_purged(
    tiny_account: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse
) -> None:
    options = resolve_privacy("analytics").sync_options(key=TEST_KEY)
    warehouse.sync(tiny_settings, **options)
    candidate, applications = interviewed_candidate(tiny_account)
    pseudonym = Pseudonymiser(TEST_KEY.encode()).pseudonym(
        candidate.attributes["email"], Category.EMAIL
    )
    assert pseudonym is not None
    needles = person_needles(tiny_account, [candidate.id]).including([pseudonym])
    assert scan_database(warehouse.path, needles), "the email pseudonym should be loaded first"
    candidate_id = row_id("candidates", candidate.id)
    application_ids = ", ".join(f"'{row_id('applications', app.id)}'" for app in applications)
    observations = (
        f"select count(*) from {DATASET}.application_stage_observations "
        f"where application_id in ({application_ids})"
    )
    assert warehouse.scalar(observations) == len(applications)
    user = tiny_account.store.records("users")[0]

    tiny_account.store.delete("candidates", candidate.id)
    tiny_account.store.delete("users", user.id)
    tiny_account.clock.advance(300)
    warehouse.sync(tiny_settings, full=True, **options)

    assert scan_database(warehouse.path, needles) == []
    marked = warehouse.query(
        f"select remote_deleted_at is not null, email_addresses, remote_data "
        f"from {DATASET}.candidates where id = '{candidate_id}'"
    )
    assert marked == [(True, None, None)]
    stripped = warehouse.scalar(
        f"select count(*) from {DATASET}.applications "
        f"where candidate_id = '{candidate_id}' and remote_data is null"
    )
    assert stripped == len(applications)
    user_row = warehouse.query(
        f"select remote_deleted_at is not null, email from {DATASET}.users "
        f"where id = '{row_id('users', user.id)}'"
    )
    assert user_row == [(True, None)]

    now = datetime.now(UTC)
    early = ErasureStep(retention_days=30, clock=lambda: now + timedelta(days=29))
    assert early(warehouse.pipeline, []) == {}
    late = ErasureStep(retention_days=30, clock=lambda: now + timedelta(days=31))
    purged = late(warehouse.pipeline, [])

    assert purged["candidates"] == 1
    assert purged["applications"] == len(applications)
    assert purged["users"] == 1
    for table, column in (
        ("candidates", "id"),
        ("applications", "candidate_id"),
        ("candidate_tags", "candidate_id"),
    ):
        left = warehouse.scalar(
            f"select count(*) from {DATASET}.{table} where {column} = '{candidate_id}'"
        )
        assert left == 0, f"{table} keeps rows of the purged candidate"
    assert warehouse.scalar(observations) == 0
    for table in ("candidates", "applications", "users", "interviews"):
        marked_left = warehouse.scalar(
            f"select count(*) from {DATASET}.{table} where remote_deleted_at is not null"
        )
        assert marked_left == 0, f"{table} keeps rows marked deleted"
