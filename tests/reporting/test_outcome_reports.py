"""Time to hire and fill, source effectiveness and the pipeline summary, by hand."""

from __future__ import annotations

from datetime import date

import pytest
from report_scenario import ANALYST, CREATED, PLATFORM, S4, ReportWarehouse, at

REPORTS = "pinpoint_reports"
HIRED_AT = at("2025-03-01 02:00")


def test_time_to_hire_one_row_per_hire(scenario: ReportWarehouse) -> None:
    rows = scenario.records(f"select * from {REPORTS}.job_time_to_hire")

    assert len(rows) == 1
    hire = rows[0]
    assert hire["application_id"] == "a04-hired"
    assert hire["job_name"] == "Platform Engineer"
    assert hire["applied_at"] == CREATED
    assert hire["hired_at"] == HIRED_AT
    assert hire["hire_number"] == 1
    assert hire["hours_to_hire"] == 98.0
    assert hire["days_to_hire"] == pytest.approx(98 / 24)
    assert hire["days_since_job_opened"] == pytest.approx(28 + 2 / 24)
    # 02:00 UTC on 1 March is still February in New York; the month is the UTC one.
    assert hire["hired_month"] == date(2025, 3, 1)


def test_time_to_fill_filled_job(scenario: ReportWarehouse) -> None:
    rows = scenario.records(f"select * from {REPORTS}.job_time_to_fill where job_id = '{PLATFORM}'")

    assert len(rows) == 1
    job = rows[0]
    assert job["headcount"] == 1
    assert job["hire_count"] == 1
    assert job["first_hired_at"] == HIRED_AT
    assert job["filled_at"] == HIRED_AT
    assert job["is_filled"] is True
    assert job["days_to_fill"] == pytest.approx(28 + 2 / 24)
    assert job["days_to_first_hire"] == pytest.approx(28 + 2 / 24)
    assert job["median_days_to_hire"] == pytest.approx(98 / 24)
    assert job["average_days_to_hire"] == pytest.approx(98 / 24)


def test_time_to_fill_job_without_hires(scenario: ReportWarehouse) -> None:
    rows = scenario.records(f"select * from {REPORTS}.job_time_to_fill where job_id = '{ANALYST}'")

    assert len(rows) == 1
    job = rows[0]
    assert job["hire_count"] == 0
    assert job["is_filled"] is False
    for column in ("first_hired_at", "filled_at", "days_to_fill", "median_days_to_hire"):
        assert job[column] is None, column


def test_source_effectiveness_counts(scenario: ReportWarehouse) -> None:
    rows = scenario.query(
        "select source, application_count, candidate_count, interviewed_count, "
        "interview_count, offered_count, hired_count, declined_count, active_count "
        f"from {REPORTS}.source_effectiveness order by source"
    )

    assert rows == [
        ("Careers page", 2, 2, 2, 0, 2, 1, 1, 0),
        ("Employee referral", 1, 1, 1, 0, 0, 0, 1, 0),
        ("Glassdoor", 1, 1, 1, 1, 1, 0, 0, 1),
        ("Indeed", 3, 2, 1, 1, 0, 0, 0, 3),
        ("LinkedIn", 3, 3, 1, 1, 0, 0, 2, 1),
        ("Unknown", 1, 1, 1, 1, 1, 0, 1, 0),
    ]


def test_source_effectiveness_rates(scenario: ReportWarehouse) -> None:
    rows = {
        row["source"]: row
        for row in scenario.records(f"select * from {REPORTS}.source_effectiveness")
    }

    careers = rows["Careers page"]
    assert careers["hire_rate"] == 0.5
    assert careers["offer_rate"] == 1.0
    assert careers["offer_to_hire_rate"] == 0.5
    assert careers["share_of_hires"] == 1.0
    assert careers["median_days_to_hire"] == pytest.approx(98 / 24)
    linkedin = rows["LinkedIn"]
    assert linkedin["interview_rate"] == pytest.approx(1 / 3)
    assert linkedin["hire_rate"] == 0.0
    # No offers: no rate instead of a division by zero.
    assert linkedin["offer_to_hire_rate"] is None
    assert linkedin["median_days_to_hire"] is None


def test_pipeline_summary_busy_job(scenario: ReportWarehouse) -> None:
    rows = scenario.records(
        f"select * from {REPORTS}.job_pipeline_summary where job_id = '{PLATFORM}'"
    )

    assert len(rows) == 1
    job = rows[0]
    counts = {
        name: job[name]
        for name in (
            "application_count",
            "active_count",
            "hired_count",
            "declined_count",
            "interviewed_count",
            "interview_count",
            "upcoming_interview_count",
            "stalled_count",
            "open_positions",
        )
    }
    assert counts == {
        "application_count": 11,
        "active_count": 5,
        "hired_count": 1,
        "declined_count": 5,
        "interviewed_count": 7,
        "interview_count": 4,
        "upcoming_interview_count": 1,
        "stalled_count": 1,
        "open_positions": 0,
    }
    assert job["days_open"] == pytest.approx(39.5)
    # Active applications have waited 1.5, 2.5, 10.08, 12.125 and 51.5 days.
    assert job["median_days_in_current_stage"] == pytest.approx(10 + 2 / 24)
    assert job["as_of"] == S4


def test_pipeline_summary_empty_job(scenario: ReportWarehouse) -> None:
    rows = scenario.records(
        f"select * from {REPORTS}.job_pipeline_summary where job_id = '{ANALYST}'"
    )

    assert len(rows) == 1
    job = rows[0]
    assert job["application_count"] == 0
    assert job["active_count"] == 0
    assert job["stalled_count"] == 0
    assert job["interview_count"] == 0
    assert job["open_positions"] == 2
    assert job["median_days_in_current_stage"] is None
    assert job["days_open"] == pytest.approx(11.5)


def test_progress_stalled_application(scenario: ReportWarehouse) -> None:
    rows = scenario.records(
        f"select * from {REPORTS}.application_progress where application_id = 'a11-stalled'"
    )

    assert len(rows) == 1
    stalled = rows[0]
    assert stalled["is_active"] is True
    assert stalled["current_stage_name"] == "Screen"
    assert stalled["current_stage_entered_at"] == at("2025-01-20 00:00")
    assert stalled["current_stage_entered_at_source"] == "inferred"
    assert stalled["days_in_current_stage"] == pytest.approx(51.5)
    assert stalled["reached_stage_type"] == "review"
