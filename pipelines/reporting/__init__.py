"""Reporting tables built with SQL in the destination after each sync."""

from pipelines.reporting.build import REPORTS, build_reports, reports_schema_name

__all__ = ["REPORTS", "build_reports", "reports_schema_name"]
