"""Generated data: determinism, sizes and the consistency rules the connector relies on."""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from sandbox_helpers import ANCHOR, SMALL_CONFIG, related_id

from pipelines.sandbox import SandboxConfig
from pipelines.sandbox.generate import Dataset, generate_dataset
from pipelines.sandbox.generate_context import HISTORY
from pipelines.sandbox.records import Record, dump_json

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "town", "country")


def serialise(dataset: Dataset) -> bytes:
    return dump_json(
        {
            type_name: [[r.id, r.attributes, r.relationships, r.extra_attributes] for r in records]
            for type_name, records in dataset.records.items()
        }
    )


def by_id(dataset: Dataset, type_name: str) -> dict[str, Record]:
    return {record.id: record for record in dataset.records[type_name]}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate_dataset(SMALL_CONFIG)


@pytest.fixture(scope="module")
def default_dataset() -> Dataset:
    return generate_dataset(SandboxConfig(anchor=ANCHOR))


def test_same_seed_same_bytes() -> None:
    assert serialise(generate_dataset(SMALL_CONFIG)) == serialise(generate_dataset(SMALL_CONFIG))


def test_different_seed_different_data() -> None:
    other = replace(SMALL_CONFIG, seed=SMALL_CONFIG.seed + 1)
    assert serialise(generate_dataset(other)) != serialise(generate_dataset(SMALL_CONFIG))


def test_different_anchor_shifts_data() -> None:
    later = replace(SMALL_CONFIG, anchor=ANCHOR + timedelta(days=1))
    assert serialise(generate_dataset(later)) != serialise(generate_dataset(SMALL_CONFIG))


def test_default_sizes(default_dataset: Dataset) -> None:
    counts = default_dataset.counts()
    assert counts["jobs"] == 25
    assert counts["candidates"] == 2000
    assert counts["applications"] == 3000
    assert counts["users"] == 30
    assert counts["departments"] == 6
    assert counts["locations"] == 8
    assert counts["questions"] >= 25 * 2 + 10


def test_default_sizes_generate_quickly() -> None:
    started = time.perf_counter()
    generate_dataset(SandboxConfig(seed=3, anchor=ANCHOR))
    assert time.perf_counter() - started < 10.0


def test_sizes_follow_config(dataset: Dataset) -> None:
    counts = dataset.counts()
    assert counts["jobs"] == 5
    assert counts["candidates"] == 200
    assert counts["applications"] == 300
    assert counts["users"] == 8


def test_more_candidates_than_applications() -> None:
    config = replace(SMALL_CONFIG, candidates=50, applications=20)
    generated = generate_dataset(config)
    assert generated.counts()["candidates"] == 50
    assert generated.counts()["applications"] == 20


def test_ids_are_unique_digit_strings(dataset: Dataset) -> None:
    for type_name, records in dataset.records.items():
        ids = [record.id for record in records]
        assert all(re.fullmatch(r"\d+", record_id) for record_id in ids), type_name
        assert len(set(ids)) == len(ids), type_name
        assert ids == sorted(ids, key=int), type_name


def test_timestamps_within_history(default_dataset: Dataset) -> None:
    earliest = ANCHOR - HISTORY
    for type_name, records in default_dataset.records.items():
        for record in records:
            created = record.attributes["created_at"]
            updated = record.attributes["updated_at"]
            assert earliest <= created <= updated <= ANCHOR, (type_name, record.id)
            assert created.microsecond == 0


def test_stages_unique_across_jobs(dataset: Dataset) -> None:
    """Every stage belongs to exactly one job; workflow template stages are kept apart."""
    stage_owner: dict[str, str] = {}
    for job in dataset.records["jobs"]:
        for _, stage_id in job.to_many("stages"):
            assert stage_id not in stage_owner
            stage_owner[stage_id] = job.id
    assert set(stage_owner) == {stage.id for stage in dataset.records["stages"]}


def test_application_stage_consistency(default_dataset: Dataset) -> None:
    stages = by_id(default_dataset, "stages")
    for application in default_dataset.records["applications"]:
        attributes = application.attributes
        stage = stages[attributes["stage_id"]]
        furthest = stages[related_id(application, "furthest_stage")]
        job_ref = ("jobs", attributes["job_id"])
        assert stage.to_one("stageable") == job_ref
        assert furthest.to_one("stageable") == job_ref
        assert furthest.attributes["basic_type"] != "rejected"
        assert (attributes["hired_at"] is not None) == (stage.attributes["basic_type"] == "hired")
        assert (attributes["rejected_at"] is not None) == (
            stage.attributes["basic_type"] == "rejected"
        )
        if stage.attributes["basic_type"] != "rejected":
            assert furthest.id == stage.id


def test_outcome_mix_is_plausible(default_dataset: Dataset) -> None:
    stages = by_id(default_dataset, "stages")
    outcome = Counter(
        stages[a.attributes["stage_id"]].attributes["basic_type"]
        for a in default_dataset.records["applications"]
    )
    total = sum(outcome.values())
    assert 0.03 <= outcome["hired"] / total <= 0.06
    assert outcome["rejected"] > total / 2
    assert outcome["applied"] + outcome["review"] > 0


def test_blind_screening_marks_concealed(dataset: Dataset) -> None:
    blind_jobs = {j.id for j in dataset.records["jobs"] if j.attributes["blind_screening"]}
    applications = dataset.records["applications"]
    concealed = [a for a in applications if a.attributes["job_id"] in blind_jobs]
    assert concealed
    assert all(a.attributes["concealed"] is True for a in concealed)
    assert not any(a.attributes["concealed"] for a in applications if a not in concealed)
    # The stored record keeps the details; rendering withholds them.
    assert any(a.attributes["email"] for a in concealed)


def test_job_vocabulary(default_dataset: Dataset) -> None:
    jobs = default_dataset.records["jobs"]
    visibilities = Counter(job.attributes["visibility"] for job in jobs)
    assert visibilities["private_job"] == 1
    assert visibilities["confidential"] >= 2
    assert sum(job.attributes["blind_screening"] for job in jobs) == 3
    assert {job.attributes["status"] for job in jobs} >= {"open", "draft"}
    for job in jobs:
        assert job.attributes["url"] == f"https://careers.example.com/jobs/{job.id}"


def test_candidate_emails_include_invalid(default_dataset: Dataset) -> None:
    emails = [c.attributes["email"] for c in default_dataset.records["candidates"]]
    invalid = [email for email in emails if email is not None and "@" not in email[:-1]]
    assert invalid
    assert len(invalid) < len(emails) / 10


def test_question_types_include_unknown(default_dataset: Dataset) -> None:
    types = {q.attributes["question_type"] for q in default_dataset.records["questions"]}
    assert types & {"legacy_rating", "video_response"}
    banked = [q for q in default_dataset.records["questions"] if q.attributes["banked"]]
    assert len(banked) == 10


def test_interviews_point_at_interview_stages(default_dataset: Dataset) -> None:
    stages = by_id(default_dataset, "stages")
    applications = by_id(default_dataset, "applications")
    interviews = default_dataset.records["interviews"]
    assert interviews
    for interview in interviews:
        application = applications[related_id(interview, "interviewable")]
        stage = stages[related_id(interview, "stage")]
        assert stage.attributes["basic_type"] == "interview"
        assert stage.to_one("stageable") == ("jobs", application.attributes["job_id"])
        assert interview.attributes["interviewable_id"] == int(application.id)
        assert interview.attributes["end_at"] > interview.attributes["start_at"]


def test_config_rejects_invalid_values() -> None:
    with pytest.raises(ValueError, match="jobs"):
        SandboxConfig(jobs=-1)
    with pytest.raises(ValueError, match="at least one job"):
        SandboxConfig(jobs=0, applications=5)
    with pytest.raises(ValueError, match="timezone-aware"):
        SandboxConfig(anchor=ANCHOR.replace(tzinfo=None))
