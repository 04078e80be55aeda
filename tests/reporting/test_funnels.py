"""job_stage_funnel and stage_type_funnel on the hand-built scenario."""

from __future__ import annotations

import pytest
from report_scenario import ANALYST, PLATFORM, ReportWarehouse

FUNNEL = "pinpoint_reports.job_stage_funnel"
TYPE_FUNNEL = "pinpoint_reports.stage_type_funnel"


def funnel_column(warehouse: ReportWarehouse, job_id: str, column: str) -> list[object]:
    rows = warehouse.query(
        f"select {column} from {FUNNEL} where job_id = '{job_id}' order by funnel_position"
    )
    return [value for (value,) in rows]


def test_funnel_stages_in_order(scenario: ReportWarehouse) -> None:
    # The rejected stage sits first in Pinpoint's order and is no step of the funnel.
    assert funnel_column(scenario, PLATFORM, "stage_name") == [
        "Applied",
        "Screen",
        "Interview",
        "Offer",
        "Hired",
    ]
    assert funnel_column(scenario, PLATFORM, "funnel_position") == [1, 2, 3, 4, 5]
    assert funnel_column(scenario, PLATFORM, "job_name") == ["Platform Engineer"] * 5


def test_funnel_reached_is_implied(scenario: ReportWarehouse) -> None:
    # a01 skipped the screen but its furthest stage (interview) implies it.
    assert funnel_column(scenario, PLATFORM, "reached_count") == [11, 10, 7, 4, 2]


def test_funnel_visited_counts_recorded_visits(scenario: ReportWarehouse) -> None:
    assert funnel_column(scenario, PLATFORM, "visited_count") == [11, 5, 5, 3, 2]
    assert funnel_column(scenario, PLATFORM, "observed_count") == [4, 5, 4, 2, 2]


def test_funnel_current_rejected_hired(scenario: ReportWarehouse) -> None:
    assert funnel_column(scenario, PLATFORM, "current_count") == [0, 3, 1, 1, 1]
    assert funnel_column(scenario, PLATFORM, "rejected_count") == [1, 1, 1, 1, 1]
    assert funnel_column(scenario, PLATFORM, "hired_count") == [0, 0, 0, 0, 1]


def test_funnel_conversions(scenario: ReportWarehouse) -> None:
    previous = funnel_column(scenario, PLATFORM, "conversion_from_previous")
    first = funnel_column(scenario, PLATFORM, "conversion_from_first")

    assert previous == [None, pytest.approx(10 / 11), pytest.approx(7 / 10), 4 / 7, 2 / 4]
    assert first == [1.0, pytest.approx(10 / 11), 7 / 11, 4 / 11, 2 / 11]


def test_funnel_median_hours_in_stage(scenario: ReportWarehouse) -> None:
    # Applied: 12, 24, 48, 81, 120, 130, 144, 240 h; the middle two are 81 and 120.
    assert funnel_column(scenario, PLATFORM, "median_hours_in_stage") == [
        100.5,
        84.0,
        96.0,
        68.0,
        None,
    ]
    assert funnel_column(scenario, PLATFORM, "timed_visit_count") == [8, 3, 2, 1, 0]


def test_funnel_job_without_applications(scenario: ReportWarehouse) -> None:
    rows = scenario.records(
        f"select * from {FUNNEL} where job_id = '{ANALYST}' order by funnel_position"
    )

    assert [row["stage_name"] for row in rows] == ["Applied", "Review", "Hired"]
    for row in rows:
        counts = [row[name] for name in ("reached_count", "visited_count", "current_count")]
        assert counts == [0, 0, 0]
        assert row["rejected_count"] == 0
        assert row["conversion_from_previous"] is None
        assert row["conversion_from_first"] is None
        assert row["median_hours_in_stage"] is None


def test_type_funnel_rows(scenario: ReportWarehouse) -> None:
    rows = scenario.query(
        "select stage_type, job_count, reached_count, visited_count, current_count, "
        f"rejected_count, timed_visit_count, median_hours_in_stage from {TYPE_FUNNEL} "
        "order by type_position"
    )

    assert rows == [
        ("applied", 2, 11, 11, 0, 1, 8, 100.5),
        ("review", 2, 10, 5, 3, 1, 3, 84.0),
        ("interview", 1, 7, 5, 1, 1, 2, 96.0),
        ("offer", 1, 4, 3, 1, 1, 1, 68.0),
        ("hired", 2, 2, 2, 1, 1, 0, None),
    ]


def test_type_funnel_conversions(scenario: ReportWarehouse) -> None:
    rows = scenario.query(
        f"select conversion_from_previous, conversion_from_first from {TYPE_FUNNEL} "
        "order by type_position"
    )

    assert [previous for previous, _ in rows] == [
        None,
        pytest.approx(10 / 11),
        pytest.approx(7 / 10),
        pytest.approx(4 / 7),
        pytest.approx(2 / 4),
    ]
    assert [first for _, first in rows] == [1.0, pytest.approx(10 / 11), 7 / 11, 4 / 11, 2 / 11]
