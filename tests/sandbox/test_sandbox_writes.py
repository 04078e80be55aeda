"""Writes: applications, comments, candidates, result links and deletes."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sandbox_helpers import ALL_VISIBILITIES, FROZEN_AT, fetch_all

from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import Record, format_timestamp

EVERY = {"filter[job_visibility]": ALL_VISIBILITIES}
PDF = "data:application/pdf;base64," + base64.b64encode(b"%PDF-1.4 test cv").decode()


def open_job(sandbox: Sandbox) -> Record:
    """Return a job that needs no phone, CV or summary, and is not blind-screened."""
    for job in sandbox.store.records("jobs"):
        attributes = job.attributes
        if (
            not attributes["require_phone"]
            and attributes["resume_requirement"] != "required"
            and not attributes["blind_screening"]
            and attributes["visibility"] != "confidential"
        ):
            return job
    raise AssertionError("no job without application requirements")


def stage_of(sandbox: Sandbox, job_id: str, basic_type: str) -> Record:
    return next(
        s for s in sandbox.store.job_stages(job_id) if s.attributes["basic_type"] == basic_type
    )


def application_body(job_id: str, **attributes: Any) -> dict[str, Any]:
    base = {"first_name": "Priya", "last_name": "Raman", "email": "priya.raman@example.com"}
    return {
        "data": {
            "type": "applications",
            "attributes": {**base, **attributes},
            "relationships": {"job": {"data": {"type": "jobs", "id": job_id}}},
        }
    }


def assert_unprocessable(response: httpx.Response, pointer: str, detail: str | None = None) -> None:
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["code"] == "unprocessable_entity"
    assert error["title"] == "Validation Error"
    assert error["source"] == {"pointer": pointer}
    if detail is not None:
        assert error["detail"] == detail


def test_create_application(sandbox: Sandbox, client: httpx.Client) -> None:
    job = open_job(sandbox)
    candidates_before = sandbox.store.count("candidates")
    body = application_body(
        job.id,
        phone="+1 415 555 0134",
        country="US",
        channel_source="Career fair",
        external_system_reference="import-2025-0042",
        skip_notifications_on_create=True,
        cv_base64_filename="priya_raman_cv.pdf",
        cv_base64_data=PDF,
        add_tags_with_context=[{"tag": "Imported", "context": "custom_green"}],
    )
    response = client.post("/applications", json=body)

    assert response.status_code == 201, response.text
    data = response.json()["data"]
    attributes = data["attributes"]
    assert data["type"] == "applications"
    assert attributes["full_name"] == "Priya Raman"
    assert attributes["job_id"] == job.id
    assert attributes["stage_id"] == stage_of(sandbox, job.id, "applied").id
    assert attributes["external_system_reference"] == "import-2025-0042"
    assert attributes["country_code"] == "US"
    assert attributes["created_at"] == format_timestamp(FROZEN_AT)
    assert "cv_base64_data" not in attributes
    assert data["relationships"]["candidate"] == {"meta": {"included": False}}
    assert sandbox.store.count("candidates") == candidates_before + 1
    assert sandbox.store.notifications == []

    listed = fetch_all(
        client, "/applications", {**EVERY, "filter[external_system_reference]": "import-2025-0042"}
    )
    assert [record["id"] for record in listed] == [data["id"]]


def test_created_tags_and_attachments(sandbox: Sandbox, client: httpx.Client) -> None:
    body = application_body(
        open_job(sandbox).id,
        cv_base64_filename="cv.pdf",
        cv_base64_data=PDF,
        documents_base64=[
            {
                "data": "data:text/plain;base64," + base64.b64encode(b"notes").decode(),
                "filename": "notes.txt",
            },
            {"filename": "missing-data.txt"},
        ],
        add_tag_with_context={"tag": "Imported", "context": "custom_green"},
    )
    created = client.post("/applications", json=body).json()["data"]
    params = {"extra_fields[applications]": "tags,attachments"}
    attributes = client.get(f"/applications/{created['id']}", params=params).json()["data"][
        "attributes"
    ]

    assert attributes["tags"] == [{"context": "custom_green", "name": "Imported"}]
    contexts = [item["context"] for item in attributes["attachments"]]
    assert contexts == ["pdf_cv", "document"]
    downloaded = httpx.get(attributes["attachments"][0]["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == b"%PDF-1.4 test cv"
    assert downloaded.headers["content-type"] == "application/pdf"
    assert httpx.get(attributes["attachments"][1]["url"]).content == b"notes"


def test_download_link_signed_and_expiring(sandbox: Sandbox, client: httpx.Client) -> None:
    application = next(
        a
        for a in sandbox.store.records("applications")
        if a.extra_attributes["attachments"] and not a.attributes["concealed"]
    )
    params = {**EVERY, "extra_fields[applications]": "attachments"}
    url = client.get(f"/applications/{application.id}", params=params).json()["data"]["attributes"][
        "attachments"
    ][0]["url"]
    assert url.startswith(sandbox.base_url.removesuffix("/api/v1") + "/_sandbox/files/")
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-1.4")
    assert httpx.get(url.replace("signature=", "signature=0")).status_code == 403
    sandbox.clock.advance(3601)
    expired = httpx.get(url)
    assert expired.status_code == 403
    assert "expired" in expired.json()["errors"][0]["detail"]


def test_create_sends_notifications_by_default(sandbox: Sandbox, client: httpx.Client) -> None:
    created = client.post("/applications", json=application_body(open_job(sandbox).id)).json()[
        "data"
    ]
    kinds = [(n.kind, n.subject) for n in sandbox.store.notifications]
    assert ("application_received", ("applications", created["id"])) in kinds
    assert ("new_application", ("applications", created["id"])) in kinds


def test_create_for_existing_candidate(sandbox: Sandbox, client: httpx.Client) -> None:
    candidates_before = sandbox.store.count("candidates")
    body = application_body(open_job(sandbox).id)
    body["data"]["relationships"]["candidate"] = {"data": {"type": "candidates", "id": "7"}}
    created = client.post("/applications", json=body).json()["data"]
    assert created["attributes"]["candidate_id"] == "7"
    assert sandbox.store.count("candidates") == candidates_before
    candidate = client.get("/candidates/7", params={"include": "applications"}).json()["data"]
    assert {"type": "applications", "id": created["id"]} in candidate["relationships"][
        "applications"
    ]["data"]


def test_create_with_side_posts(sandbox: Sandbox, client: httpx.Client) -> None:
    job = open_job(sandbox)
    question_id = job.to_many("questions")[0][1]
    field = next(
        f for f in sandbox.store.records("custom_fields") if f.attributes["field_type"] == "number"
    )
    body = application_body(job.id)
    body["data"]["relationships"]["answers"] = {
        "data": [{"type": "answers", "temp-id": "ans-1", "method": "create"}]
    }
    body["data"]["relationships"]["custom_attributes"] = {
        "data": [{"type": "custom_attributes", "temp-id": "ca-1", "method": "create"}]
    }
    body["included"] = [
        {
            "type": "answers",
            "temp-id": "ans-1",
            "attributes": {"text_answer": "Yes"},
            "relationships": {"question": {"data": {"type": "questions", "id": question_id}}},
        },
        {
            "type": "custom_attributes",
            "temp-id": "ca-1",
            "attributes": {"number_value": 4},
            "relationships": {"custom_field": {"data": {"type": "custom_fields", "id": field.id}}},
        },
    ]
    created = client.post("/applications", json=body)
    assert created.status_code == 201, created.text
    application_id = created.json()["data"]["id"]

    shown = client.get(
        f"/applications/{application_id}", params={"include": "answers,custom_attributes"}
    )
    included = {record["type"]: record for record in shown.json()["included"]}
    assert included["answers"]["attributes"]["text_answer"] == "Yes"
    assert included["custom_attributes"]["attributes"]["value"] == 4
    assert included["custom_attributes"]["attributes"]["field_name"] == field.attributes["name"]


@pytest.mark.parametrize(
    ("change", "pointer", "detail"),
    [
        ({"email": None}, "/data/attributes/email", "Email can't be blank"),
        ({"first_name": ""}, "/data/attributes/first_name", "First name can't be blank"),
        ({"email": "not-an-email"}, "/data/attributes/email", "Email is invalid"),
        ({"hired_at": "yesterday"}, "/data/attributes/hired_at", None),
        (
            {"cv_base64_filename": "cv.exe", "cv_base64_data": PDF},
            "/data/attributes/cv_base64_filename",
            None,
        ),
        (
            {"cv_base64_filename": "cv.pdf", "cv_base64_data": "JVBERi0="},
            "/data/attributes/cv_base64_data",
            None,
        ),
        (
            {"add_tag_with_context": {"tag": "x"}},
            "/data/attributes/add_tag_with_context/context",
            None,
        ),
    ],
)
def test_create_validation(
    sandbox: Sandbox, client: httpx.Client, change: dict[str, Any], pointer: str, detail: str | None
) -> None:
    before = sandbox.store.count("applications")
    body = application_body(open_job(sandbox).id)
    body["data"]["attributes"].update(change)
    assert_unprocessable(client.post("/applications", json=body), pointer, detail)
    assert sandbox.store.count("applications") == before


def test_create_needs_existing_job(sandbox: Sandbox, client: httpx.Client) -> None:
    body = application_body("999999")
    assert_unprocessable(
        client.post("/applications", json=body), "/data/relationships/job", "Job must exist"
    )
    del body["data"]["relationships"]["job"]
    assert_unprocessable(client.post("/applications", json=body), "/data/relationships/job")


def test_create_rejects_stage_of_other_job(sandbox: Sandbox, client: httpx.Client) -> None:
    job = open_job(sandbox)
    foreign = next(s for s in sandbox.store.records("stages") if s.to_one("stageable") != job.ref)
    body = application_body(job.id)
    body["data"]["relationships"]["stage"] = {"data": {"type": "stages", "id": foreign.id}}
    assert_unprocessable(client.post("/applications", json=body), "/data/relationships/stage")


def test_job_requirements_enforced(sandbox: Sandbox, client: httpx.Client) -> None:
    job = open_job(sandbox)
    sandbox.store.update("jobs", job.id, {"require_phone": True, "resume_requirement": "required"})
    body = application_body(job.id)
    assert_unprocessable(client.post("/applications", json=body), "/data/attributes/phone")
    body["data"]["attributes"].update(phone="+44 7700 900123", phone_iso2="GB")
    assert_unprocessable(client.post("/applications", json=body), "/data/attributes/cv_base64_data")


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"data": {"type": "candidates", "attributes": {}}}, "/data/type"),
        ({"data": []}, "/data"),
        ({"data": {"type": "applications", "attributes": {"uuid": "x"}}}, "/data/attributes/uuid"),
        (
            {"data": {"type": "applications", "attributes": {"created_at": "x"}}},
            "/data/attributes/created_at",
        ),
    ],
)
def test_malformed_write_is_400(client: httpx.Client, body: dict[str, Any], pointer: str) -> None:
    response = client.post("/applications", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["source"] == {"pointer": pointer}


def test_invalid_json_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/applications", content=b"{not json", headers={"Content-Type": "application/vnd.api+json"}
    )
    assert response.status_code == 400
    assert "Malformed request body" in response.json()["errors"][0]["detail"]


def test_update_moves_stage(sandbox: Sandbox, client: httpx.Client) -> None:
    created = client.post("/applications", json=application_body(open_job(sandbox).id)).json()[
        "data"
    ]
    interview = stage_of(sandbox, created["attributes"]["job_id"], "interview")
    sandbox.clock.advance(60)
    body = {
        "data": {
            "id": created["id"],
            "type": "applications",
            "attributes": {},
            "relationships": {"stage": {"data": {"type": "stages", "id": interview.id}}},
        }
    }
    response = client.put(f"/applications/{created['id']}", json=body)
    assert response.status_code == 200, response.text
    attributes = response.json()["data"]["attributes"]
    assert attributes["stage_id"] == interview.id
    assert attributes["updated_at"] == format_timestamp(FROZEN_AT + timedelta(seconds=60))
    furthest = sandbox.store.get("applications", created["id"]).to_one("furthest_stage")  # type: ignore[union-attr]
    assert furthest == ("stages", interview.id)


def test_update_tags(sandbox: Sandbox, client: httpx.Client) -> None:
    application = next(
        a for a in sandbox.store.records("applications") if a.extra_attributes["tags"]
    )
    existing = application.extra_attributes["tags"][0]
    body = {
        "data": {
            "id": application.id,
            "type": "applications",
            "attributes": {
                "add_tags_with_context": [{"tag": "Assessment: Passed", "context": "assessment"}],
                "remove_tag_with_context": {
                    "tag": existing["name"],
                    "context": existing["context"],
                },
            },
        }
    }
    response = client.put(f"/applications/{application.id}", json=body, params=EVERY)
    assert response.status_code == 200, response.text
    tags = sandbox.store.get("applications", application.id).extra_attributes["tags"]  # type: ignore[union-attr]
    assert {"context": "assessment", "name": "Assessment: Passed"} in tags
    assert existing not in tags


@pytest.mark.parametrize(
    ("attributes", "relationships", "pointer"),
    [
        ({"summary": "new"}, {}, "/data/attributes/summary"),
        (
            {"cv_base64_filename": "cv.pdf", "cv_base64_data": PDF},
            {},
            "/data/attributes/cv_base64_data",
        ),
        ({}, {"job": {"data": {"type": "jobs", "id": "999"}}}, "/data/relationships/job"),
        ({}, {"answers": {"data": []}}, "/data/relationships/answers"),
    ],
)
def test_update_refuses_fixed_parts(
    sandbox: Sandbox,
    client: httpx.Client,
    attributes: dict[str, Any],
    relationships: dict[str, Any],
    pointer: str,
) -> None:
    body = {
        "data": {
            "id": "1",
            "type": "applications",
            "attributes": attributes,
            "relationships": relationships,
        }
    }
    assert_unprocessable(client.put("/applications/1", json=body), pointer)


def test_update_id_must_match_path(client: httpx.Client) -> None:
    body = {"data": {"id": "2", "type": "applications", "attributes": {}}}
    response = client.put("/applications/1", json=body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"pointer": "/data/id"}


def test_delete_application(sandbox: Sandbox, client: httpx.Client) -> None:
    application_id = sandbox.store.records("applications")[3].id
    response = client.delete(f"/applications/{application_id}")
    assert response.status_code == 200
    assert response.json() == {"meta": {}}
    assert client.get(f"/applications/{application_id}", params=EVERY).status_code == 404
    assert client.delete(f"/applications/{application_id}").status_code == 404
    listed = fetch_all(client, "/applications", EVERY, page_size=500)
    assert application_id not in {record["id"] for record in listed}


def test_comment_create_and_delete(sandbox: Sandbox, client: httpx.Client) -> None:
    body = {
        "data": {
            "type": "comments",
            "attributes": {"body_text": "Record created with ID: 123"},
            "relationships": {
                "commentable": {"data": {"type": "applications", "id": "5"}},
                "user": {"data": {"type": "users", "id": "2"}},
            },
        }
    }
    response = client.post("/comments", json=body)
    assert response.status_code == 201, response.text
    comment = response.json()["data"]
    assert comment["attributes"]["commentable_type"] == "Application"
    assert comment["attributes"]["commentable_id"] == 5
    assert comment["attributes"]["user_id"] == 2
    listed = client.get(
        "/comments",
        params={"filter[commentable_id]": "5", "filter[commentable_type]": "Application"},
    )
    assert comment["id"] in [record["id"] for record in listed.json()["data"]]

    assert client.delete(f"/comments/{comment['id']}").json() == {"meta": {}}
    assert client.get(f"/comments/{comment['id']}").status_code == 404


@pytest.mark.parametrize(
    ("attributes", "commentable", "pointer"),
    [
        ({}, {"type": "applications", "id": "5"}, "/data/attributes/body_text"),
        (
            {"body_text": "x"},
            {"type": "applications", "id": "999999"},
            "/data/relationships/commentable",
        ),
        (
            {"body_text": "x"},
            {"type": "jobs", "id": "1"},
            "/data/relationships/commentable/data/type",
        ),
    ],
)
def test_comment_validation(
    client: httpx.Client, attributes: dict[str, Any], commentable: dict[str, str], pointer: str
) -> None:
    body = {
        "data": {
            "type": "comments",
            "attributes": attributes,
            "relationships": {"commentable": {"data": commentable}},
        }
    }
    assert_unprocessable(client.post("/comments", json=body), pointer)


def test_update_candidate(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.clock.advance(30)
    body = {
        "data": {
            "id": "4",
            "type": "candidates",
            "attributes": {
                "first_name": "Ada",
                "blocked": True,
                "documents_base64": [{"data": PDF, "filename": "passport.pdf"}],
            },
        }
    }
    response = client.put("/candidates/4", json=body)
    assert response.status_code == 200, response.text
    attributes = response.json()["data"]["attributes"]
    assert attributes["first_name"] == "Ada"
    assert attributes["full_name"].startswith("Ada ")
    assert attributes["blocked"] is True
    assert attributes["updated_at"] == format_timestamp(FROZEN_AT + timedelta(seconds=30))
    shown = client.get("/candidates/4", params={"extra_fields[candidates]": "attachments"}).json()
    names = [item["name"] for item in shown["data"]["attributes"]["attachments"]]
    assert "passport.pdf" in names


def test_candidates_cannot_be_created_or_deleted(client: httpx.Client) -> None:
    assert client.post("/candidates", json={}).status_code == 405
    assert client.delete("/candidates/1").status_code == 405


@pytest.mark.parametrize(
    ("path", "provider"),
    [("/candidate_assessments", "example_assessment"), ("/background_checks", "example_check")],
)
def test_result_links(sandbox: Sandbox, client: httpx.Client, path: str, provider: str) -> None:
    body: dict[str, Any] = {
        "data": {
            "type": path.strip("/"),
            "attributes": {
                "name": "Coding test",
                "provider_code": provider,
                "external_uid": "ext-1",
                "status": "pending",
                "result_url": "https://provider.example.com/r/1",
            },
            "relationships": {"application": {"data": {"type": "applications", "id": "9"}}},
        }
    }
    created = client.post(path, json=body)
    assert created.status_code == 201, created.text
    record_id = created.json()["data"]["id"]
    assert created.json()["data"]["attributes"]["result_url"] == "https://provider.example.com/r/1"

    update: dict[str, Any] = {
        "data": {
            "id": record_id,
            "type": path.strip("/"),
            "attributes": {"status": "completed", "result": "Passed"},
        }
    }
    if path == "/background_checks":
        update["data"]["attributes"]["is_completed"] = True
    updated = client.put(f"{path}/{record_id}", json=update)
    assert updated.status_code == 200, updated.text
    assert updated.json()["data"]["attributes"]["status"] == "completed"
    assert (
        client.get(path, params={"filter[external_uid]": "ext-1"}).json()["data"][0]["id"]
        == record_id
    )

    bad = {**body["data"], "attributes": {**body["data"]["attributes"], "result_url": "ftp://x"}}
    assert_unprocessable(client.post(path, json={"data": bad}), "/data/attributes/result_url")
    bad = {**body["data"], "attributes": {**body["data"]["attributes"], "provider_code": "acme"}}
    assert_unprocessable(client.post(path, json={"data": bad}), "/data/attributes/provider_code")


def test_completed_background_check_tags_application(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    body = {
        "data": {
            "type": "background_checks",
            "attributes": {
                "provider_code": "example_check",
                "is_completed": True,
                "result": "Clear",
            },
            "relationships": {"application": {"data": {"type": "applications", "id": "11"}}},
        }
    }
    assert client.post("/background_checks", json=body).status_code == 201
    tags = sandbox.store.get("applications", "11").extra_attributes["tags"]  # type: ignore[union-attr]
    assert {"context": "background_check", "name": "Background check: Clear"} in tags


def test_patch_is_accepted_like_put(client: httpx.Client) -> None:
    body = {"data": {"id": "2", "type": "applications", "attributes": {"channel_source": "Fair"}}}
    response = client.patch("/applications/2", json=body)
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["channel_source"] == "Fair"
