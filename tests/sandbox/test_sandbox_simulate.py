"""Simulated activity while time passes."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sandbox_helpers import (
    ALL_VISIBILITIES,
    FROZEN_AT,
    SMALL_CONFIG,
    FrozenClock,
    fetch_all,
    make_client,
)

from pipelines.sandbox import Sandbox, SimulationSummary, run_sandbox
from pipelines.sandbox.records import format_timestamp

EVERY = {"filter[job_visibility]": ALL_VISIBILITIES}
ALL_KINDS = {
    "new_application": 1,
    "move_forward": 1,
    "skip_stage": 1,
    "move_backward": 1,
    "reject": 1,
    "hire": 1,
    "withdraw": 1,
    "edit_candidate": 1,
    "edit_application": 1,
    "comment": 1,
    "delete_application": 1,
    "new_job": 1,
    "rename_stage": 1,
}


def simulate_twice() -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    results = []
    for _ in range(2):
        with run_sandbox(SMALL_CONFIG, clock=FrozenClock(FROZEN_AT)) as running:
            summary = running.simulate(hours=48, events_per_hour=3)
            results.append([(e.kind, e.record[1], format_timestamp(e.at)) for e in summary.events])
    return results[0], results[1]


def test_same_seed_same_activity() -> None:
    first, second = simulate_twice()
    assert first
    assert first == second


def test_runs_differ_by_step(sandbox: Sandbox) -> None:
    first = sandbox.simulate(hours=10, events_per_hour=3)
    second = sandbox.simulate(hours=10, events_per_hour=3)
    assert [e.record for e in first.events] != [e.record for e in second.events]


def test_clock_moves_by_hours(sandbox: Sandbox) -> None:
    summary = sandbox.simulate(hours=24)
    assert summary.started_at == FROZEN_AT
    assert summary.ended_at == FROZEN_AT + timedelta(hours=24)
    assert sandbox.clock.now() == FROZEN_AT + timedelta(hours=24)
    times = [event.at for event in summary.events]
    assert times == sorted(times)
    assert all(FROZEN_AT < moment < summary.ended_at for moment in times)
    # The default rate is one event an hour per 1,000 applications, at least one.
    assert len(summary.events) + summary.skipped == 24


def test_every_kind_happens(sandbox: Sandbox) -> None:
    summary = sandbox.simulate(hours=24, events_per_hour=10, weights=ALL_KINDS)
    assert set(summary.counts()) == set(ALL_KINDS)
    assert isinstance(summary, SimulationSummary)


def test_changes_visible_through_api(sandbox: Sandbox, client: httpx.Client) -> None:
    summary = sandbox.simulate(hours=24, events_per_hour=10, weights=ALL_KINDS)
    since = {**EVERY, "filter[updated_at][gt]": format_timestamp(FROZEN_AT)}
    changed = {record["id"] for record in fetch_all(client, "/applications", since)}

    for kind in (
        "new_application",
        "move_forward",
        "reject",
        "hire",
        "withdraw",
        "edit_application",
    ):
        for _, application_id in summary.records(kind):
            if sandbox.store.get("applications", application_id) is not None:
                assert application_id in changed, (kind, application_id)
    for _, application_id in summary.records("delete_application"):
        assert client.get(f"/applications/{application_id}", params=EVERY).status_code == 404
        assert application_id not in changed


def test_stage_moves_follow_the_pipeline(sandbox: Sandbox) -> None:
    summary = sandbox.simulate(hours=24, events_per_hour=20, weights={"hire": 1, "withdraw": 1})
    for _, application_id in summary.records("hire"):
        application = sandbox.store.get("applications", application_id)
        if application is not None:
            assert application.attributes["hired_at"] is not None
    for _, application_id in summary.records("withdraw"):
        application = sandbox.store.get("applications", application_id)
        if application is not None:
            assert application.attributes["rejected_at"] is not None
            reasons = [
                t["name"]
                for t in application.extra_attributes["tags"]
                if t["context"] == "rejection"
            ]
            assert "Withdrew application" in reasons


def test_new_job_and_renamed_stage(sandbox: Sandbox, client: httpx.Client) -> None:
    summary = sandbox.simulate(
        hours=4, events_per_hour=2, weights={"new_job": 1, "rename_stage": 1}
    )
    since = {"filter[updated_at][gt]": format_timestamp(FROZEN_AT), "include": "stages"}
    body = client.get("/jobs", params=since).json()
    changed_jobs = {record["id"] for record in body["data"]}
    for _, job_id in summary.records("new_job"):
        assert job_id in changed_jobs
        job = client.get(f"/jobs/{job_id}", params={"include": "stages"}).json()
        types = {stage["attributes"]["basic_type"] for stage in job["included"]}
        assert {"applied", "hired", "rejected"} <= types
    renamed = {
        event.record[1]: event.detail for event in summary.events if event.kind == "rename_stage"
    }
    included = {stage["id"]: stage for stage in body["included"]}
    for stage_id, name in renamed.items():
        if stage_id in included:
            assert included[stage_id]["attributes"]["name"] == name


def test_advance_is_quiet(sandbox: Sandbox) -> None:
    counts = {
        name: sandbox.store.count(name) for name in ("applications", "candidates", "comments")
    }
    version = sandbox.store.version
    sandbox.clock.advance(86_400)
    assert {name: sandbox.store.count(name) for name in counts} == counts
    assert sandbox.store.version == version


def test_simulate_rejects_bad_arguments(sandbox: Sandbox) -> None:
    with pytest.raises(ValueError, match="hours"):
        sandbox.simulate(hours=-1)
    with pytest.raises(ValueError, match="unknown event kinds"):
        sandbox.simulate(hours=1, weights={"fire_everyone": 1})


def test_simulate_over_http(sandbox: Sandbox) -> None:
    with make_client(sandbox) as client:
        origin = sandbox.base_url.removesuffix("/api/v1")
        response = client.post(f"{origin}/_sandbox/simulate", params={"hours": "2"})
        assert response.status_code == 200, response.text
        assert response.json()["meta"]["ended_at"] == format_timestamp(
            FROZEN_AT + timedelta(hours=2)
        )
        advanced = client.post(f"{origin}/_sandbox/advance", params={"seconds": "60"})
        assert advanced.json()["meta"]["now"] == format_timestamp(
            FROZEN_AT + timedelta(hours=2, seconds=60)
        )
        stats = client.get(f"{origin}/_sandbox/stats").json()["meta"]["requests"]
        assert stats["/_sandbox/simulate"] == {"200": 1}
        assert httpx.post(f"{origin}/_sandbox/simulate").status_code == 401
