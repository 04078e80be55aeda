"""Stage observations and application_stage_history on the hand-built scenario."""

from __future__ import annotations

from pathlib import Path

from report_scenario import CREATED, S1, S2, S3, S4, SAME_INSTANT, ReportWarehouse, at

HISTORY = "pinpoint_reports.application_stage_history"
OBSERVATIONS = "pinpoint.application_stage_observations"


def visits(warehouse: ReportWarehouse, application_id: str) -> list[tuple[object, ...]]:
    """Return (stage, evidence, entered, entered source, exited, exited source, hours, current)."""
    return warehouse.query(
        "select stage_name, visit_evidence, entered_at, entered_at_source, exited_at, "
        f"exited_at_source, duration_hours, is_current from {HISTORY} "
        f"where application_id = '{application_id}' order by visit_number"
    )


def test_observations_appended_per_sync(tmp_path: Path) -> None:
    warehouse = ReportWarehouse(tmp_path)
    appended = []
    for moment in (S1, S2, S3, S4):
        warehouse.sync(moment)
        appended.append(warehouse.query(f"select count(*) from {OBSERVATIONS}")[0][0])

    # S1 records all eleven. Later syncs add one row per application whose stage changed.
    assert appended == [11, 18, 22, 24]
    warehouse.sync(at("2025-03-13 12:00"))
    assert warehouse.query(f"select count(*) from {OBSERVATIONS}") == [(24,)]


def test_observations_numbered_per_application(scenario: ReportWarehouse) -> None:
    rows = scenario.query(
        "select observation_number, stage_id, furthest_stage_id, observed_at "
        f"from {OBSERVATIONS} where application_id = 'a03-reentered' order by observation_number"
    )

    assert rows == [
        (1, "j1-applied", "j1-applied", S1),
        (2, "j1-screen", "j1-screen", S2),
        (3, "j1-applied", "j1-screen", S3),
        (4, "j1-screen", "j1-screen", S4),
    ]


def test_observations_outside_reports_schema(scenario: ReportWarehouse) -> None:
    schemas = scenario.query(
        "select table_schema from information_schema.tables "
        "where table_name = 'application_stage_observations'"
    )
    assert schemas == [("pinpoint",)]


def test_history_skipped_stage_has_no_visit(scenario: ReportWarehouse) -> None:
    assert visits(scenario, "a01-skip") == [
        ("Applied", "observed", CREATED, "pinpoint_created_at", at("2025-02-28 09:00"),
         "sync_observed", 81.0, False),
        ("Interview", "observed", at("2025-02-28 09:00"), "sync_observed", None, "open", None,
         True),
    ]  # fmt: skip


def test_history_backward_move(scenario: ReportWarehouse) -> None:
    # The interview visit spans the switch to daylight saving time in the US: still 192 h.
    assert visits(scenario, "a02-backward") == [
        ("Applied", "observed", CREATED, "pinpoint_created_at", at("2025-03-02 00:00"),
         "sync_observed", 120.0, False),
        ("Interview", "observed", at("2025-03-02 00:00"), "sync_observed",
         at("2025-03-10 00:00"), "sync_observed", 192.0, False),
        ("Screen", "observed", at("2025-03-10 00:00"), "sync_observed", None, "open", None, True),
    ]  # fmt: skip


def test_history_reentered_stage(scenario: ReportWarehouse) -> None:
    stages = [row[0] for row in visits(scenario, "a03-reentered")]
    hours = [row[6] for row in visits(scenario, "a03-reentered")]

    assert stages == ["Applied", "Screen", "Applied", "Screen"]
    assert hours == [48.0, 144.0, 144.0, None]


def test_history_hire_closes_at_hire(scenario: ReportWarehouse) -> None:
    hired_at = at("2025-03-01 02:00")
    assert visits(scenario, "a04-hired") == [
        ("Applied", "application_created", CREATED, "pinpoint_created_at", None, "unknown", None,
         False),
        ("Offer", "observed", at("2025-02-26 06:00"), "inferred", hired_at, "pinpoint_hired_at",
         68.0, False),
        ("Hired", "observed", hired_at, "pinpoint_hired_at", hired_at, "pinpoint_hired_at", 0.0,
         True),
    ]  # fmt: skip


def test_history_rejection_from_each_stage(scenario: ReportWarehouse) -> None:
    last_stage_before_rejection = scenario.query(
        "select visit.application_id, visit.stage_name, visit.exited_at_source "
        f"from {HISTORY} as visit inner join {HISTORY} as rejection "
        "on rejection.application_id = visit.application_id "
        "and rejection.visit_number = visit.visit_number + 1 "
        "where rejection.stage_type = 'rejected' order by visit.application_id"
    )

    assert last_stage_before_rejection == [
        ("a05-rejected-applied", "Applied", "pinpoint_rejected_at"),
        ("a06-rejected-screen", "Screen", "pinpoint_rejected_at"),
        ("a07-rejected-interview", "Interview", "pinpoint_rejected_at"),
        ("a08-rejected-offer", "Offer", "pinpoint_rejected_at"),
        ("a09-rejected-hired", "Hired", "pinpoint_rejected_at"),
    ]


def test_history_furthest_stage_between_syncs(scenario: ReportWarehouse) -> None:
    # S1 saw the interview; the offer happened between S1 and S2, when it was rejected.
    assert visits(scenario, "a08-rejected-offer") == [
        ("Applied", "application_created", CREATED, "pinpoint_created_at", None, "unknown", None,
         False),
        ("Interview", "observed", at("2025-02-26 00:00"), "inferred", None, "unknown", None,
         False),
        ("Offer", "furthest_stage", None, "unknown", at("2025-03-02 00:00"),
         "pinpoint_rejected_at", None, False),
        ("Rejected", "observed", at("2025-03-02 00:00"), "pinpoint_rejected_at",
         at("2025-03-02 00:00"), "pinpoint_rejected_at", 0.0, True),
    ]  # fmt: skip


def test_history_rejected_stage_closes_not_now(scenario: ReportWarehouse) -> None:
    open_terminal = scenario.query(
        f"select count(*) from {HISTORY} "
        "where stage_type in ('hired', 'rejected') and is_current and exited_at is null"
    )
    assert open_terminal == [(0,)]


def test_history_same_instant_ordered(scenario: ReportWarehouse) -> None:
    assert visits(scenario, "a10-same-instant") == [
        ("Applied", "observed", CREATED, "pinpoint_created_at", SAME_INSTANT, "sync_observed",
         130.0, False),
        ("Screen", "observed", SAME_INSTANT, "sync_observed", SAME_INSTANT, "sync_observed", 0.0,
         False),
        ("Interview", "observed", SAME_INSTANT, "sync_observed", SAME_INSTANT, "sync_observed",
         0.0, False),
        ("Offer", "observed", SAME_INSTANT, "sync_observed", None, "open", None, True),
    ]  # fmt: skip


def test_history_rebuild_is_identical(tmp_path: Path) -> None:
    warehouse = ReportWarehouse(tmp_path)
    warehouse.sync_all()
    everything = f"select * from {HISTORY} order by application_id, visit_number"
    before = warehouse.query(everything)

    warehouse.sync(S4)

    assert warehouse.query(everything) == before


def test_history_durations_never_negative(scenario: ReportWarehouse) -> None:
    assert scenario.query(f"select count(*) from {HISTORY} where duration_hours < 0") == [(0,)]
    assert scenario.query(f"select count(*) from {HISTORY} where is_current") == [(11,)]
