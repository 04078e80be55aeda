"""Move to stage, add note and add result link against the sandbox."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from actions_helpers import LoseFirstResponse

from pipelines.actions import (
    ActionInputError,
    ActionSession,
    add_note,
    add_result_link,
    move_application_to_stage,
)
from pipelines.pinpoint.ids import unified_id
from pipelines.pinpoint.settings import resolve_settings
from pipelines.sandbox import ApiKey, Sandbox
from pipelines.sandbox.records import Record


def visible_application(sandbox: Sandbox) -> Record:
    """Return an application of an open job that is not concealed."""
    for application in sandbox.store.records("applications"):
        job = sandbox.store.get("jobs", str(application.attributes["job_id"]))
        if job is not None and not application.attributes.get("concealed"):
            return application
    raise AssertionError("the sandbox has no visible application")


def comments_on(sandbox: Sandbox, application: Record) -> list[Record]:
    return [
        comment
        for comment in sandbox.store.records("comments")
        if comment.to_one("commentable") == application.ref
    ]


def add_custom_field(sandbox: Sandbox, name: str, field_type: str, options: list[str]) -> Record:
    now = sandbox.clock.now()
    attributes = {
        "name": name,
        "description": None,
        "field_type": field_type,
        "resource_type": "application",
        "options": options,
        "position": 99,
        "required": False,
        "sample_value": None,
        "unique_reference": f"custom_{name}",
        "created_at": now,
        "updated_at": now,
    }
    return sandbox.store.add(
        Record("custom_fields", sandbox.store.next_id("custom_fields"), attributes)
    )


def custom_values(sandbox: Sandbox, application: Record) -> dict[str, object]:
    return {
        str(value.attributes["field_name"]): value.attributes["value"]
        for value in sandbox.store.records("custom_attributes")
        if value.to_one("custom_attributable") == application.ref
    }


def test_application_moved_to_stage(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)
    stages = tiny.store.job_stages(str(application.attributes["job_id"]))
    target = next(s for s in stages if s.id != application.attributes["stage_id"])

    result = move_application_to_stage(
        session,
        {
            "application_id": f"remote:{application.id}",
            "stage_id": unified_id("test", "application_stages", target.id),
        },
    )

    assert result["moved"] is True
    moved = tiny.store.get("applications", application.id)
    assert moved is not None
    assert moved.attributes["stage_id"] == target.id
    assert result["application"]["current_stage_id"] == unified_id(
        "test", "application_stages", target.id
    )


def test_move_to_current_stage_changes_nothing(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)
    payload = {
        "application_id": f"remote:{application.id}",
        "stage_id": f"remote:{application.attributes['stage_id']}",
    }

    result = move_application_to_stage(session, payload)

    assert result["moved"] is False
    assert tiny.stats.count("/applications/{id}", method="PUT") == 0


def test_stage_of_other_job_not_moved(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)
    other_stage = next(
        stage
        for stage in tiny.store.records("stages")
        if stage.to_one("stageable") != ("jobs", str(application.attributes["job_id"]))
    )

    with pytest.raises(ActionInputError) as caught:
        move_application_to_stage(
            session,
            {"application_id": f"remote:{application.id}", "stage_id": f"remote:{other_stage.id}"},
        )

    [problem] = caught.value.problems
    assert problem.field == "stage_id"
    assert "not a stage of job" in problem.message
    assert tiny.stats.count("/applications/{id}", method="PUT") == 0


def test_move_input_checked(session: ActionSession) -> None:
    with pytest.raises(ActionInputError) as caught:
        move_application_to_stage(session, {"application_id": "12"})

    assert {problem.field for problem in caught.value.problems} == {"application_id", "stage_id"}


def test_note_added(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)

    result = add_note(
        session, {"application_id": f"remote:{application.id}", "content": "Called, will reply."}
    )

    [comment] = [c for c in comments_on(tiny, application) if c.id == result["note"]["remote_id"]]
    assert comment.attributes["body_text"] == "Called, will reply."
    assert result["note"]["application_id"] == unified_id("test", "applications", application.id)
    assert result["note"]["content_type"] == "PLAIN_TEXT"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"application_id": "remote:1", "content": " "}, "content"),
        ({"application_id": "remote:1", "content": "x", "content_type": "HTML"}, "content_type"),
        ({"content": "x"}, "application_id"),
    ],
)
def test_note_input_checked(
    tiny: Sandbox, session: ActionSession, payload: dict[str, str], field: str
) -> None:
    with pytest.raises(ActionInputError) as caught:
        add_note(session, payload)

    assert field in {problem.field for problem in caught.value.problems}
    assert tiny.stats.total == 0


def test_note_on_missing_application_rejected(tiny: Sandbox, session: ActionSession) -> None:
    with pytest.raises(ActionInputError) as caught:
        add_note(session, {"application_id": "remote:99999", "content": "x"})

    assert "does not exist" in caught.value.problems[0].message
    assert tiny.stats.count("/comments", method="POST") == 0


def test_note_with_lost_response_added_once(
    tiny: Sandbox, make_session: Callable[..., ActionSession]
) -> None:
    application = visible_application(tiny)
    before = len(comments_on(tiny, application))
    session = make_session(transport=LoseFirstResponse("POST", "/comments"))

    result = add_note(session, {"application_id": f"remote:{application.id}", "content": "Once"})

    assert len(comments_on(tiny, application)) == before + 1
    assert tiny.stats.count("/comments", method="POST") == 1
    assert result["note"]["content"] == "Once"


def test_result_link_note_and_custom_fields(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)
    add_custom_field(tiny, "Acme: Score", "number", [])
    add_custom_field(tiny, "Acme: Verdict", "select", ["Pass", "Fail"])
    payload = {
        "application_id": f"remote:{application.id}",
        "label": "Coding test",
        "url": "https://assess.example.com/r/123",
        "details": {
            "custom_field_name_prefix": "Acme:",
            "attributes": [
                {"key": "Score", "value": "87"},
                {"key": "verdict", "value": "Pass"},
                {"key": "Duration", "value": "45 min"},
            ],
        },
    }

    result = add_result_link(session, payload)

    [note] = [c for c in comments_on(tiny, application) if c.id == result["note"]["remote_id"]]
    body = note.attributes["body_text"]
    assert "Coding test" in body
    assert "https://assess.example.com/r/123" in body
    assert "Duration: 45 min" in body
    values = custom_values(tiny, application)
    assert values["Acme: Score"] == 87.0
    assert values["Acme: Verdict"] == "Pass"
    assert {field["name"] for field in result["custom_fields"]} == {"Acme: Score", "Acme: Verdict"}

    payload["details"]["attributes"] = [{"key": "Score", "value": "91"}]  # type: ignore[index]
    add_result_link(session, payload)

    assert custom_values(tiny, application)["Acme: Score"] == 91.0
    scores = [
        value
        for value in tiny.store.records("custom_attributes")
        if value.to_one("custom_attributable") == application.ref
        and value.attributes["field_name"] == "Acme: Score"
    ]
    assert len(scores) == 1, "a second result link updates the value instead of adding one"


def test_result_link_invalid_value_sends_nothing(tiny: Sandbox, session: ActionSession) -> None:
    application = visible_application(tiny)
    add_custom_field(tiny, "Acme: Score", "number", [])
    payload = {
        "application_id": f"remote:{application.id}",
        "label": "Coding test",
        "url": "https://assess.example.com/r/1",
        "details": {
            "custom_field_name_prefix": "Acme:",
            "attributes": [{"key": "Score", "value": "high"}],
        },
    }

    with pytest.raises(ActionInputError) as caught:
        add_result_link(session, payload)

    assert caught.value.problems[0].field == "details.attributes[0].value"
    assert tiny.stats.count("/comments", method="POST") == 0


def test_result_link_input_checked(session: ActionSession) -> None:
    payload = {"application_id": "remote:1", "label": "", "url": "ftp://x", "details": {}}

    with pytest.raises(ActionInputError) as caught:
        add_result_link(session, payload)

    fields = {problem.field for problem in caught.value.problems}
    assert fields == {
        "label",
        "url",
        "details.custom_field_name_prefix",
        "details.attributes",
    }


def test_result_link_without_custom_field_permission(tiny: Sandbox) -> None:
    application = visible_application(tiny)
    add_custom_field(tiny, "Acme: Score", "number", [])
    tiny.add_key(ApiKey("no-custom-fields", {"Custom Field": "none"}, default="write"))
    settings = resolve_settings(api_key="no-custom-fields", base_url=tiny.base_url, account="test")
    with ActionSession(settings) as session:
        result = add_result_link(
            session,
            {
                "application_id": f"remote:{application.id}",
                "label": "Coding test",
                "url": "https://assess.example.com/r/2",
                "details": {
                    "custom_field_name_prefix": "Acme:",
                    "attributes": [{"key": "Score", "value": "50"}],
                },
            },
        )

    assert result["custom_fields"] == []
    assert "Custom Field" in result["warnings"][0]
    assert "Acme: Score" not in custom_values(tiny, application)


def test_result_link_without_application_write(tiny: Sandbox) -> None:
    application = visible_application(tiny)
    add_custom_field(tiny, "Acme: Score", "number", [])
    tiny.add_key(ApiKey("notes-only", {"Application": "read"}, default="write"))
    settings = resolve_settings(api_key="notes-only", base_url=tiny.base_url, account="test")

    with ActionSession(settings) as session:
        result = add_result_link(
            session,
            {
                "application_id": f"remote:{application.id}",
                "label": "Coding test",
                "url": "https://assess.example.com/r/3",
                "details": {
                    "custom_field_name_prefix": "Acme:",
                    "attributes": [{"key": "Score", "value": "50"}],
                },
            },
        )

    assert result["note"]["content"].startswith("Coding test")
    assert result["custom_fields"] == []
    assert "Write permission for Application" in result["warnings"][0]
