"""Run a sync in a child process and kill the process at a chosen point.

Usage: python crash_sync.py BASE_URL API_KEY FOLDER POINT

POINT is one of:
  extract          exit at the 4th HTTP request, while pages are being extracted
  after_extract    exit once extraction has finished, before normalising
  after_normalize  exit once the load package is normalised, before loading
  load             exit after the 3rd file is copied into the destination
  merge            exit after the 2nd merge statement has run

The process ends with `os._exit`, which skips every cleanup handler, as a kill would.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import httpx

from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.settings import resolve_settings
from pipelines.pinpoint.source import pinpoint_source
from pipelines.sync import make_pipeline

KILLED_EXIT_CODE = 137


class _ExitOnRequest(httpx.HTTPTransport):
    def __init__(self, exit_at: int) -> None:
        super().__init__()
        self.exit_at = exit_at
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent >= self.exit_at:
            os._exit(KILLED_EXIT_CODE)
        return super().handle_request(request)


def _exit_after_calls(owner: Any, method_name: str, calls: int) -> None:
    original = getattr(owner, method_name)
    count = {"value": 0}

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        count["value"] += 1
        if count["value"] >= calls:
            os._exit(KILLED_EXIT_CODE)
        return result

    setattr(owner, method_name, wrapper)


def main(base_url: str, api_key: str, folder: str, point: str) -> None:
    settings = resolve_settings(api_key=api_key, base_url=base_url, account="test")
    pipeline = make_pipeline(
        pipeline_name="pinpoint_test",
        pipelines_dir=Path(folder) / "pipelines",
        duckdb_path=Path(folder) / "warehouse.duckdb",
    )
    transport = _ExitOnRequest(4) if point == "extract" else None
    client = PinpointClient(settings.base_url, settings.api_key, transport=transport)
    source = pinpoint_source(client, settings.account)

    if point == "load":
        from dlt.destinations.impl.duckdb.duck import DuckDbCopyJob

        _exit_after_calls(DuckDbCopyJob, "run", 3)
    if point == "merge":
        from dlt.destinations.impl.duckdb.sql_client import DuckDbSqlClient

        _exit_after_calls(DuckDbSqlClient, "execute_many", 2)

    pipeline.extract(source)
    if point == "after_extract":
        os._exit(KILLED_EXIT_CODE)
    pipeline.normalize()
    if point == "after_normalize":
        os._exit(KILLED_EXIT_CODE)
    pipeline.load()
    # Reaching this line means the chosen point was never hit.
    sys.exit(3)


if __name__ == "__main__":
    main(*sys.argv[1:5])
