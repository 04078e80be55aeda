"""print_reports shows the key tables of the hand-built scenario."""

from __future__ import annotations

from report_scenario import ReportWarehouse
from rich.console import Console

from pipelines.reporting.display import print_reports


def test_print_reports_shows_key_tables(scenario: ReportWarehouse) -> None:
    console = Console(record=True, width=140)

    print_reports(console, scenario.pipeline, jobs=3)

    output = console.export_text()
    # Only one job has applications, so only one job funnel is printed.
    assert output.count("Funnel: ") == 1
    assert "Funnel: Platform Engineer" in output
    assert "Funnel across jobs by stage type" in output
    assert "Sources (top 8 by hires)" in output
    assert "Careers page" in output
    assert "Jobs (top 10 by active applications)" in output
    assert "Data Analyst" in output
    assert "1 hires; median time to hire 4.1 days" in output
