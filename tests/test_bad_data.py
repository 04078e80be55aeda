"""Bad data from the API: keep going where values allow, fail clearly where they do not."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import httpx
import pytest

from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.jsonapi import Document
from pipelines.pinpoint.mappers.applications import map_applications
from pipelines.pinpoint.mappers.common import MapContext, MappingError
from pipelines.pinpoint.source import pinpoint_source
from pipelines.sync import make_pipeline

FIXTURE = Path(__file__).parent / "fixtures" / "bad_data" / "applications.json"
CONTEXT = MapContext("acme")


def fixture_document(keep: set[str]) -> Document:
    body = json.loads(FIXTURE.read_text())
    body["data"] = [resource for resource in body["data"] if resource["id"] in keep]
    return Document.from_response_body(body, "fixture")


def test_odd_values_load_as_null_or_raw(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    rows = {
        row["remote_id"]: row
        for row in map_applications(fixture_document({"9001", "9002"}), CONTEXT)
    }

    odd = rows["9001"]
    # A numeric id is read as its string form.
    assert odd["job_id"] == unified_id("acme", "jobs", "77")
    assert odd["candidate_id"] is None
    # An object where text is expected is dropped; a number is passed through as text.
    assert odd["source"] == "12345"
    assert odd["concealed"] is None
    assert odd["hired_at"] is None
    assert odd["outcome"] == "PENDING"
    # The stage is linked but not included: the link still gives its id.
    assert odd["current_stage_id"] == unified_id("acme", "application_stages", "404")
    assert odd["furthest_stage_id"] is None

    unknown_stage_type = rows["9002"]
    assert unknown_stage_type["outcome"] == "PENDING"
    assert unknown_stage_type["current_stage_id"] == unified_id("acme", "application_stages", "12")

    assert "applications 9001: attribute 'hired_at' is not an ISO 8601 timestamp" in caplog.text
    assert "not a date" not in caplog.text


def test_missing_updated_at_fails_naming_record() -> None:
    with pytest.raises(MappingError) as caught:
        map_applications(fixture_document({"9003"}), CONTEXT)
    assert "applications 9003" in str(caught.value)
    assert "'updated_at'" in str(caught.value)


def serve_fixture(request: httpx.Request) -> httpx.Response:
    """Serve the bad page for /applications and empty lists for every other endpoint."""
    if request.url.path.endswith("/applications"):
        body = json.loads(FIXTURE.read_text())
        if request.url.params.get("page[size]") == "1":
            body["data"] = body["data"][:1]
        return httpx.Response(200, json=body)
    return httpx.Response(200, json={"data": [], "meta": {}})


def test_sync_stops_on_unmappable_record(tmp_path: Path) -> None:
    client = PinpointClient(
        "https://fixture.example/api/v1",
        "key",
        transport=httpx.MockTransport(serve_fixture),
        retry_policy=RetryPolicy(max_attempts=1),
    )
    pipeline = make_pipeline(
        pipeline_name="bad_data",
        pipelines_dir=tmp_path / "state",
        duckdb_path=tmp_path / "w.duckdb",
    )

    with pytest.raises(Exception) as caught:
        pipeline.run(pinpoint_source(client, "acme", tables=["applications"]))

    chain = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("applications 9003" in message and "updated_at" in message for message in chain)
    # Nothing of the failed run reached the destination.
    assert not (tmp_path / "w.duckdb").exists() or _table_missing(tmp_path / "w.duckdb")


def _table_missing(path: Path) -> bool:
    with duckdb.connect(str(path), read_only=True) as connection:
        found = connection.execute(
            "select count(*) from information_schema.tables where table_name = 'applications'"
        ).fetchone()
    return found == (0,)
