"""The baseline: the same account read with dlt's generic ``rest_api`` source.

This is the sync a user would write without this project. It has one ``rest_api``
resource per Pinpoint endpoint and pages by page number until a page is empty. An
incremental cursor on ``attributes.updated_at`` is sent as ``filter[updated_at][gt]``.
The raw JSON:API records are loaded with dlt's defaults: dict rows, dlt's default DuckDB
file format and nested lists as child tables. Records are merged on ``id``, like the
connector's tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dlt
from dlt.sources.rest_api import RESTAPIConfig, rest_api_source
from dlt.sources.rest_api.typing import IncrementalConfig

from pipelines.pinpoint.source import ALL_JOB_VISIBILITIES

BASELINE_DATASET = "pinpoint_raw"
BASELINE_PIPELINE = "benchmark_baseline"
BASELINE_TABLES = ("users", "jobs", "candidates", "applications", "interviews")
PAGE_SIZE = 1000
EARLIEST_UPDATED_AT = "2000-01-01T00:00:00+00:00"
"""Initial cursor value: older than any record, so the first run reads everything."""


def baseline_config(base_url: str, api_key: str) -> RESTAPIConfig:
    """Return the ``rest_api`` configuration for the five endpoints the benchmark reads."""
    incremental: IncrementalConfig = {
        "start_param": "filter[updated_at][gt]",
        "cursor_path": "attributes.updated_at",
        "initial_value": EARLIEST_UPDATED_AT,
    }
    visible: dict[str, Any] = {"filter[job_visibility]": ALL_JOB_VISIBILITIES}
    return {
        "client": {
            "base_url": base_url.rstrip("/") + "/",
            "auth": {
                "type": "api_key",
                "name": "X-API-KEY",
                "api_key": api_key,
                "location": "header",
            },
            "paginator": {
                "type": "page_number",
                "page_param": "page[number]",
                "base_page": 1,
                "total_path": None,
                "stop_after_empty_page": True,
            },
        },
        "resource_defaults": {
            "primary_key": "id",
            "write_disposition": "merge",
            "endpoint": {"data_selector": "data", "params": {"page[size]": PAGE_SIZE}},
        },
        "resources": [
            # Pinpoint's /users has no updated_at filter, so it is read in full every run.
            {"name": "users", "endpoint": {"path": "users"}},
            {"name": "jobs", "endpoint": {"path": "jobs", "incremental": incremental}},
            {"name": "candidates", "endpoint": {"path": "candidates", "incremental": incremental}},
            {
                "name": "applications",
                "endpoint": {
                    "path": "applications",
                    "params": visible,
                    "incremental": incremental,
                },
            },
            {
                "name": "interviews",
                "endpoint": {"path": "interviews", "params": visible, "incremental": incremental},
            },
        ],
    }


def make_baseline_pipeline(folder: Path) -> dlt.Pipeline:
    """Create (or reopen) the baseline pipeline, its state and DuckDB file under ``folder``."""
    return dlt.pipeline(
        pipeline_name=BASELINE_PIPELINE,
        destination=dlt.destinations.duckdb(str((folder / "baseline.duckdb").resolve())),
        dataset_name=BASELINE_DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )


def run_baseline(folder: Path, base_url: str, api_key: str) -> dlt.Pipeline:
    """Run one baseline sync into ``folder``; the first run reads everything, later ones
    read records updated after the cursor."""
    pipeline = make_baseline_pipeline(folder)
    pipeline.run(rest_api_source(baseline_config(base_url, api_key), name="pinpoint_raw"))
    return pipeline
