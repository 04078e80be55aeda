"""Reporting tables built with SQL in the destination after each sync."""

from pipelines.reporting.build import (
    REPORTS,
    ReportTablesMissingError,
    build_reports,
    reports_schema_name,
)
from pipelines.reporting.observations import OBSERVATIONS_TABLE, record_stage_observations

__all__ = [
    "OBSERVATIONS_TABLE",
    "REPORTS",
    "ReportTablesMissingError",
    "build_reports",
    "record_stage_observations",
    "reports_schema_name",
]
