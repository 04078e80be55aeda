"""The example documents of the Pinpoint API reference, reproduced by the sandbox.

Each test requests what an example in the reference requests and compares keys, value
types and relationship forms (values are invented in the reference, so they are not
compared). Behaviours the reference marks as inferred are checked as the sandbox
implements them: a 400 for unknown includes and page sizes above 1000, an empty page past
the end, ``meta.stats.total.count`` for totals and ``source.pointer`` on 422 errors.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES

from pipelines.sandbox import Sandbox

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
NOT_INCLUDED = {"meta": {"included": False}}

APPLICATION_EXAMPLE_TYPES: dict[str, tuple[type, ...]] = {
    "uuid": (str,),
    "first_name": (str, type(None)),
    "last_name": (str, type(None)),
    "full_name": (str, type(None)),
    "preferred_name": (str, type(None)),
    "email": (str, type(None)),
    "phone": (str, type(None)),
    "phone_iso2": (str, type(None)),
    "date_of_birth": (str, type(None)),
    "linkedin_url": (str, type(None)),
    "summary": (str, type(None)),
    "preferred_pronouns": (str, type(None)),
    "locale": (str, type(None)),
    "address1": (str, type(None)),
    "address2": (str, type(None)),
    "town": (str, type(None)),
    "state_province": (str, type(None)),
    "postcode": (str, type(None)),
    "country": (str, type(None)),
    "country_code": (str, type(None)),
    "country_code_alpha3": (str, type(None)),
    "country_name": (str, type(None)),
    "channel": (str, type(None)),
    "channel_source": (str, type(None)),
    "candidate_id": (str,),
    "job_id": (str,),
    "job_posting_id": (str, type(None)),
    "stage_id": (str,),
    "internal_candidate": (bool,),
    "concealed": (bool,),
    "is_demo": (bool,),
    "national_identifier": (str, type(None)),
    "external_system_reference": (str, type(None)),
    "hired_at": (str, type(None)),
    "rejected_at": (str, type(None)),
    "start_on": (str, type(None)),
    "ai_score": (dict, type(None)),
    "created_at": (str,),
    "updated_at": (str,),
}
APPLICATION_EXAMPLE_RELATIONSHIPS = {
    "job",
    "stage",
    "candidate",
    "job_posting",
    "furthest_stage",
    "answers",
    "comments",
    "custom_attributes",
    "offers",
}
JOB_EXAMPLE_ATTRIBUTES = {
    "uuid",
    "title",
    "status",
    "visibility",
    "employment_type",
    "employment_type_text",
    "workplace_type",
    "workplace_type_text",
    "remote",
    "blind_screening",
    "selected_hiring_workflow_id",
    "requisition_id",
    "external_system_reference",
    "opened_at",
    "closed_at",
    "filled_at",
    "created_at",
    "updated_at",
}
JOB_EXAMPLE_RELATIONSHIPS = {
    "stages",
    "applications",
    "department",
    "division",
    "location",
    "structure_custom_group_one",
    "structure_link",
    "company",
    "hiring_manager_user",
    "recruitment_manager_user",
    "creator_user",
    "job_postings",
    "questions",
    "custom_attributes",
}
STAGE_EXAMPLE_ATTRIBUTES = {
    "name",
    "external_name",
    "description",
    "basic_type",
    "position",
    "visible",
    "external_system_reference",
    "created_at",
    "updated_at",
}


def check_stage(stage: dict[str, Any]) -> None:
    assert stage["type"] == "stages"
    assert set(stage["attributes"]) == STAGE_EXAMPLE_ATTRIBUTES
    assert isinstance(stage["attributes"]["position"], int)
    assert stage["relationships"] == {"applications": NOT_INCLUDED, "stageable": NOT_INCLUDED}


def test_applications_collection_example(shared_client: httpx.Client) -> None:
    params = {
        "include": "stage,job",
        "page[size]": "2",
        "page[number]": "1",
        "stats[total]": "count",
        "sort": "updated_at",
        "filter[updated_at][gt]": "2024-03-01T00:00:00+00:00",
    }
    body = shared_client.get("/applications", params=params).json()

    assert set(body) == {"data", "included", "meta"}
    assert set(body["meta"]) == {"stats"}
    assert isinstance(body["meta"]["stats"]["total"]["count"], int)
    assert len(body["data"]) == 2
    for application in body["data"]:
        assert set(application) == {"id", "type", "attributes", "relationships"}
        assert application["type"] == "applications"
        assert application["id"].isdigit()
        attributes = application["attributes"]
        for name, types in APPLICATION_EXAMPLE_TYPES.items():
            assert isinstance(attributes[name], types), name
        assert TIMESTAMP.match(attributes["created_at"])
        assert TIMESTAMP.match(attributes["updated_at"])
        relationships = application["relationships"]
        assert set(relationships) >= APPLICATION_EXAMPLE_RELATIONSHIPS
        assert relationships["job"] == {"data": {"type": "jobs", "id": attributes["job_id"]}}
        assert relationships["stage"] == {"data": {"type": "stages", "id": attributes["stage_id"]}}
        for name in APPLICATION_EXAMPLE_RELATIONSHIPS - {"job", "stage"}:
            assert relationships[name] == NOT_INCLUDED, name
    for record in body["included"]:
        assert record["type"] in ("jobs", "stages")
        if record["type"] == "jobs":
            assert set(record["attributes"]) >= JOB_EXAMPLE_ATTRIBUTES
            assert all(value == NOT_INCLUDED for value in record["relationships"].values())
        else:
            check_stage(record)


def test_job_with_stages_example(shared_client: httpx.Client) -> None:
    params = {
        "include": "stages",
        "fields[jobs]": "title,status,selected_hiring_workflow_id,updated_at",
    }
    body = shared_client.get("/jobs/2", params=params).json()

    assert body["meta"] == {}
    job = body["data"]
    assert set(job["attributes"]) == {
        "title",
        "status",
        "selected_hiring_workflow_id",
        "updated_at",
    }
    assert isinstance(job["attributes"]["selected_hiring_workflow_id"], str)
    assert set(job["relationships"]) >= JOB_EXAMPLE_RELATIONSHIPS
    linkage = job["relationships"]["stages"]["data"]
    assert all(set(item) == {"type", "id"} for item in linkage)
    for name in JOB_EXAMPLE_RELATIONSHIPS - {"stages"}:
        assert job["relationships"][name] == NOT_INCLUDED, name
    by_id = {stage["id"]: stage for stage in body["included"]}
    assert [item["id"] for item in linkage] == list(by_id)
    # Stage order by position is inferred in the reference.
    assert [by_id[item["id"]]["attributes"]["position"] for item in linkage] == list(
        range(len(linkage))
    )
    for stage in body["included"]:
        check_stage(stage)


def test_unauthorized_example(shared_sandbox: Sandbox) -> None:
    response = httpx.get(f"{shared_sandbox.base_url}/applications")
    assert response.status_code == 401
    assert response.json() == {
        "errors": [
            {
                "code": "unauthorized",
                "detail": "X-API-KEY header not provided",
                "status": "401",
                "title": "Unauthorized",
            }
        ]
    }


def test_not_found_example(shared_client: httpx.Client) -> None:
    response = shared_client.get("/applications/99999999")
    assert response.status_code == 404
    assert response.json() == {
        "errors": [
            {
                "code": "not_found",
                "detail": "Record not found",
                "status": "404",
                "title": "Not Found",
            }
        ]
    }


def test_validation_example(shared_sandbox: Sandbox, shared_client: httpx.Client) -> None:
    body = {
        "data": {
            "type": "applications",
            "attributes": {"first_name": "Priya", "last_name": "Raman"},
            "relationships": {"job": {"data": {"type": "jobs", "id": "1"}}},
        }
    }
    response = shared_client.post("/applications", json=body)
    assert response.status_code == 422
    assert response.json() == {
        "errors": [
            {
                "code": "unprocessable_entity",
                "detail": "Email can't be blank",
                "status": "422",
                "title": "Validation Error",
                "source": {"pointer": "/data/attributes/email"},
            }
        ]
    }


def test_rate_limit_example(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.faults.script("/applications", ["429"])
    response = client.get("/applications")
    assert response.status_code == 429
    assert response.json() == {
        "errors": [
            {
                "code": "too_many_requests",
                "detail": "Rate limit exceeded",
                "status": "429",
                "title": "Too Many Requests",
            }
        ]
    }


def test_delete_example(sandbox: Sandbox, client: httpx.Client) -> None:
    response = client.delete("/comments/1")
    assert response.status_code == 200
    assert response.json() == {"meta": {}}


def test_create_application_example(sandbox: Sandbox, client: httpx.Client) -> None:
    job = next(
        j
        for j in sandbox.store.records("jobs")
        if not j.attributes["require_phone"] and j.attributes["resume_requirement"] == "optional"
    )
    stage = next(
        s for s in sandbox.store.job_stages(job.id) if s.attributes["basic_type"] == "review"
    )
    question_id = job.to_many("questions")[0][1]
    request = {
        "data": {
            "type": "applications",
            "attributes": {
                "first_name": "Priya",
                "last_name": "Raman",
                "email": "priya.raman@example.com",
                "phone": "+1 415 555 0134",
                "phone_iso2": "US",
                "country": "US",
                "state_province": "CA",
                "channel_source": "Career fair",
                "external_system_reference": "import-2025-0042",
                "skip_notifications_on_create": True,
                "cv_base64_filename": "priya_raman_cv.pdf",
                "cv_base64_data": "data:application/pdf;base64,JVBERi0xLjQKJUVPRgo=",
                "add_tags_with_context": [{"tag": "Imported", "context": "custom_green"}],
            },
            "relationships": {
                "job": {"data": {"type": "jobs", "id": job.id}},
                "stage": {"data": {"type": "stages", "id": stage.id}},
                "answers": {"data": [{"type": "answers", "temp-id": "ans-1", "method": "create"}]},
            },
        },
        "included": [
            {
                "type": "answers",
                "temp-id": "ans-1",
                "attributes": {"boolean_answer": True},
                "relationships": {"question": {"data": {"type": "questions", "id": question_id}}},
            }
        ],
    }
    response = client.post("/applications", json=request)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["meta"] == {}
    data = body["data"]
    assert data["type"] == "applications"
    attributes = data["attributes"]
    expected = {
        "first_name": "Priya",
        "last_name": "Raman",
        "full_name": "Priya Raman",
        "email": "priya.raman@example.com",
        "phone": "+1 415 555 0134",
        "phone_iso2": "US",
        "country": "US",
        "state_province": "CA",
        "address2": None,
        "channel_source": "Career fair",
        "job_id": job.id,
        "job_posting_id": None,
        "stage_id": stage.id,
        "external_system_reference": "import-2025-0042",
        "concealed": False,
        "internal_candidate": False,
        "is_demo": False,
        "hired_at": None,
        "rejected_at": None,
    }
    assert {name: attributes[name] for name in expected} == expected
    assert isinstance(attributes["candidate_id"], str)
    assert TIMESTAMP.match(attributes["created_at"])
    for name in ("job", "stage", "candidate", "answers"):
        assert data["relationships"][name] == NOT_INCLUDED


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page[number]": "999"}, 200),
        ({"page[size]": "1001"}, 400),
        ({"page[size]": "0", "stats[total]": "count"}, 200),
        ({"include": "unknown_relationship"}, 400),
        ({"filter[updated_at][gt]": "2025-02-19T09:25:04 00:00"}, 400),
        ({"filter": "updated_at"}, 400),
        ({"filter[updated_at][gt]": "2025-02-19T09:25:04Z"}, 200),
        ({"extra_fields": "tags"}, 200),
        ({"stats[total]": "sum"}, 400),
    ],
)
def test_documented_query_behaviours(
    shared_client: httpx.Client, params: dict[str, str], status: int
) -> None:
    response = shared_client.get(
        "/applications", params={"filter[job_visibility]": ALL_VISIBILITIES, **params}
    )
    assert response.status_code == status, response.text
    body = response.json()
    if status == 400:
        assert body["errors"][0]["code"] == "bad_request"
        assert body["errors"][0]["title"] == "Bad Request"
    elif params.get("page[number]") == "999" or params.get("page[size]") == "0":
        assert body["data"] == []


def test_unencoded_plus_hint(shared_client: httpx.Client) -> None:
    response = shared_client.get(
        "/applications", params={"filter[updated_at][gt]": "2025-02-19T09:25:04 00:00"}
    )
    assert "%2B" in response.json()["errors"][0]["detail"]
