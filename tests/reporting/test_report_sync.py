"""Two syncs of the sandbox with a stage move in between build up stage history."""

from __future__ import annotations

from sync_helpers import Warehouse

from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.reporting import REPORTS
from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import Record

OBSERVATIONS = "pinpoint.application_stage_observations"
HISTORY = "pinpoint_reports.application_stage_history"


def funnel_stages(account: Sandbox, application: Record) -> list[Record]:
    """Return the stages of the application's job in position order, without the rejected one."""
    job = application.relationships["job"]
    stages = [
        stage
        for stage in account.store.records("stages")
        if stage.relationships.get("stageable") == job
        and stage.attributes["basic_type"] != "rejected"
    ]
    return sorted(stages, key=lambda stage: stage.attributes["position"])


def pending_in_first_stage(account: Sandbox) -> tuple[Record, list[Record]]:
    """Return a pending application that sits in its job's first stage, with those stages."""
    for application in account.store.records("applications"):
        if application.attributes["hired_at"] or application.attributes["rejected_at"]:
            continue
        stages = funnel_stages(account, application)
        if application.relationships["stage"] == stages[0].ref:
            return application, stages
    raise AssertionError("the sandbox account has no pending application in a first stage")


def test_sync_twice_records_stage_move(
    account: Sandbox, settings: PinpointSettings, warehouse: Warehouse
) -> None:
    first = warehouse.sync(settings)
    application_count = account.store.count("applications")
    assert first.reports == list(REPORTS)
    assert warehouse.scalar(f"select count(*) from {OBSERVATIONS}") == application_count

    application, stages = pending_in_first_stage(account)
    account.store.move_application(application.id, stages[1].id)
    account.clock.advance(300)
    second = warehouse.sync(settings)

    assert second.reports == list(REPORTS)
    assert warehouse.scalar(f"select count(*) from {OBSERVATIONS}") == application_count + 1
    application_id = unified_id("test", "applications", application.id)
    first_stage_id = unified_id("test", "application_stages", stages[0].id)
    second_stage_id = unified_id("test", "application_stages", stages[1].id)
    observations = warehouse.query(
        "select observation_number, stage_id from "
        f"{OBSERVATIONS} where application_id = '{application_id}' order by observation_number"
    )
    assert observations == [(1, first_stage_id), (2, second_stage_id)]

    moved_at = warehouse.scalar(
        f"select remote_updated_at from pinpoint.applications where id = '{application_id}'"
    )
    history = warehouse.query(
        "select stage_id, visit_evidence, entered_at, entered_at_source, exited_at, "
        f"exited_at_source, is_current from {HISTORY} where application_id = '{application_id}' "
        "order by visit_number"
    )
    created_at = warehouse.scalar(
        f"select remote_created_at from pinpoint.applications where id = '{application_id}'"
    )
    assert history == [
        (first_stage_id, "observed", created_at, "pinpoint_created_at", moved_at,
         "sync_observed", False),
        (second_stage_id, "observed", moved_at, "sync_observed", None, "open", True),
    ]  # fmt: skip
