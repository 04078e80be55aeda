"""The simulated clock and the store's mutation helpers, seen through the HTTP API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES, FROZEN_AT, fetch_all, parse_timestamp, related_id

from pipelines.sandbox import Sandbox
from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.records import Record, format_timestamp
from pipelines.sandbox.store import RecordNotFound

EVERY = {"filter[job_visibility]": ALL_VISIBILITIES}


def stages_of_job(sandbox: Sandbox, job_id: str) -> list[Record]:
    job = sandbox.store.get("jobs", job_id)
    assert job is not None
    stages = [sandbox.store.get("stages", stage_id) for _, stage_id in job.to_many("stages")]
    return [stage for stage in stages if stage is not None]


def open_application(sandbox: Sandbox) -> Record:
    """Return an application of a non-confidential job that is still in its first stage."""
    for application in sandbox.store.records("applications"):
        stage = sandbox.store.get("stages", application.attributes["stage_id"])
        job = sandbox.store.get("jobs", application.attributes["job_id"])
        assert stage is not None and job is not None
        hidden = job.attributes["visibility"] == "confidential"
        if stage.attributes["basic_type"] == "applied" and not hidden:
            return application
    raise AssertionError("no application in an applied stage")


def test_clock_truncates_to_seconds() -> None:
    clock = SandboxClock()
    now = clock.now()
    assert now.microsecond == 0
    assert now.tzinfo is not None
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=2)


def test_clock_advance_moves_forward() -> None:
    clock = SandboxClock()
    before = clock.now()
    after = clock.advance(3600)
    assert timedelta(seconds=3599) <= after - before <= timedelta(seconds=3602)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)


def test_date_header_follows_clock(sandbox: Sandbox, client: httpx.Client) -> None:
    first = parsedate_to_datetime(client.get("/users").headers["date"])
    assert first == FROZEN_AT
    sandbox.clock.advance(300)
    second = parsedate_to_datetime(client.get("/users").headers["date"])
    assert second - first == timedelta(seconds=300)


def test_real_clock_date_header(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    header = shared_client.get("/users").headers["date"]
    assert header.endswith(" GMT")
    served = parsedate_to_datetime(header)
    assert abs(served - shared_sandbox.clock.now()) <= timedelta(seconds=2)


def test_move_application_visible(sandbox: Sandbox, client: httpx.Client) -> None:
    application = open_application(sandbox)
    before = client.get(f"/applications/{application.id}").json()["data"]["attributes"]
    interview = next(
        s
        for s in stages_of_job(sandbox, application.attributes["job_id"])
        if s.attributes["basic_type"] == "interview"
    )
    sandbox.clock.advance(300)
    sandbox.store.move_application(application.id, interview.id)

    body = client.get(f"/applications/{application.id}", params={"include": "furthest_stage"})
    after = body.json()["data"]
    assert after["attributes"]["stage_id"] == interview.id
    updated_at = parse_timestamp(after["attributes"]["updated_at"])
    assert updated_at > parse_timestamp(before["updated_at"])
    assert after["attributes"]["updated_at"] == format_timestamp(FROZEN_AT + timedelta(seconds=300))
    assert after["relationships"]["furthest_stage"]["data"]["id"] == interview.id

    window = {**EVERY, "filter[updated_at][gt]": before["updated_at"]}
    assert application.id in [r["id"] for r in fetch_all(client, "/applications", window)]


def test_move_to_rejected_keeps_furthest(sandbox: Sandbox) -> None:
    application = open_application(sandbox)
    stages = stages_of_job(sandbox, application.attributes["job_id"])
    review = next(s for s in stages if s.attributes["basic_type"] == "review")
    rejected = next(s for s in stages if s.attributes["basic_type"] == "rejected")

    sandbox.store.move_application(application.id, review.id)
    moved = sandbox.store.move_application(application.id, rejected.id)
    assert moved.attributes["rejected_at"] == FROZEN_AT
    assert moved.attributes["hired_at"] is None
    assert moved.to_one("furthest_stage") == ("stages", review.id)


def test_move_to_hired_sets_hired_at(sandbox: Sandbox) -> None:
    application = open_application(sandbox)
    stages = stages_of_job(sandbox, application.attributes["job_id"])
    hired = next(s for s in stages if s.attributes["basic_type"] == "hired")
    moved = sandbox.store.move_application(application.id, hired.id)
    assert moved.attributes["hired_at"] == FROZEN_AT
    assert moved.attributes["rejected_at"] is None
    assert moved.to_one("furthest_stage") == ("stages", hired.id)


def test_move_to_other_jobs_stage_fails(sandbox: Sandbox) -> None:
    application = open_application(sandbox)
    foreign = next(
        s
        for s in sandbox.store.records("stages")
        if s.to_one("stageable") != ("jobs", application.attributes["job_id"])
    )
    with pytest.raises(ValueError, match="does not belong"):
        sandbox.store.move_application(application.id, foreign.id)
    with pytest.raises(RecordNotFound):
        sandbox.store.move_application("999999", foreign.id)


def test_update_candidate_visible(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.clock.advance(60)
    sandbox.store.update_candidate("3", first_name="Ada", email="ada@example.com")
    attributes = client.get("/candidates/3").json()["data"]["attributes"]
    assert attributes["first_name"] == "Ada"
    assert attributes["email"] == "ada@example.com"
    assert attributes["full_name"].startswith("Ada ")
    assert attributes["updated_at"] == format_timestamp(FROZEN_AT + timedelta(seconds=60))
    with pytest.raises(ValueError, match="favourite_colour"):
        sandbox.store.update_candidate("3", favourite_colour="green")
    with pytest.raises(ValueError, match="updated_at"):
        sandbox.store.update_candidate("3", updated_at=FROZEN_AT)


def test_sort_ties_broken_by_id(sandbox: Sandbox, client: httpx.Client) -> None:
    # The frozen clock gives every touched record the same updated_at.
    for candidate_id in ("150", "20", "75"):
        sandbox.store.touch("candidates", candidate_id)
    params = {"filter[updated_at][gt]": format_timestamp(FROZEN_AT - timedelta(seconds=1))}
    ascending = client.get("/candidates", params={**params, "sort": "updated_at"}).json()["data"]
    descending = client.get("/candidates", params={**params, "sort": "-updated_at"}).json()["data"]
    assert [r["id"] for r in ascending] == ["20", "75", "150"]
    assert [r["id"] for r in descending] == ["20", "75", "150"]
    by_id_desc = client.get("/candidates", params={**params, "sort": "updated_at,-id"}).json()
    assert [r["id"] for r in by_id_desc["data"]] == ["150", "75", "20"]


def test_sort_updated_at_then_id(shared_client: httpx.Client) -> None:
    records = fetch_all(shared_client, "/applications", {**EVERY, "sort": "updated_at"})
    keys = [(parse_timestamp(r["attributes"]["updated_at"]), int(r["id"])) for r in records]
    assert keys == sorted(keys)


def test_delete_application(sandbox: Sandbox, client: httpx.Client) -> None:
    interview = sandbox.store.records("interviews")[0]
    application_id = related_id(interview, "interviewable")
    application = sandbox.store.get("applications", application_id)
    assert application is not None
    candidate_id = application.attributes["candidate_id"]
    total = sandbox.store.count("applications")

    removed = sandbox.store.delete("applications", application_id)
    assert ("applications", application_id) in removed
    assert ("interviews", interview.id) in removed
    assert sandbox.store.count("applications") == total - 1
    assert client.get(f"/applications/{application_id}", params=EVERY).status_code == 404
    assert client.get(f"/interviews/{interview.id}", params=EVERY).status_code == 404

    candidate = client.get(f"/candidates/{candidate_id}", params={"include": "applications"})
    linked = candidate.json()["data"]["relationships"]["applications"]["data"]
    assert {"type": "applications", "id": application_id} not in linked


def test_add_application(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.clock.advance(120)
    added = sandbox.store.add_application("1", "5")
    assert int(added.id) == 301
    body = client.get(f"/applications/{added.id}", params={"include": "stage"}).json()
    assert body["data"]["attributes"]["candidate_id"] == "5"
    assert body["data"]["attributes"]["created_at"] == format_timestamp(
        FROZEN_AT + timedelta(seconds=120)
    )
    assert body["included"][0]["attributes"]["basic_type"] == "applied"
    candidate = sandbox.store.get("candidates", "5")
    assert candidate is not None
    assert ("applications", added.id) in candidate.to_many("applications")
