"""The action, passthrough, check and coverage commands as a user runs them."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from actions_helpers import applicant, applications_with_key, open_job
from rich.console import Console
from sync_helpers import Warehouse

from pipelines.actions.cli import register_commands
from pipelines.pinpoint.settings import PinpointSettings
from pipelines.sandbox import ApiKey, Sandbox

CREDENTIAL_VARIABLES = (
    "SOURCES__PINPOINT__API_KEY",
    "SOURCES__PINPOINT__SUBDOMAIN",
    "SOURCES__PINPOINT__BASE_URL",
    "SOURCES__PINPOINT__ACCOUNT",
)


class Result:
    def __init__(self, code: int, stdout: str) -> None:
        self.code = code
        self.stdout = stdout

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tiny: Sandbox) -> Path:
    """Run in an empty folder with the sandbox's key in the environment."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", tiny.api_key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(
    *argv: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> Result:
    parser = argparse.ArgumentParser(prog="pinpoint")
    register_commands(parser.add_subparsers(dest="command", required=True))
    arguments = parser.parse_args(list(argv))
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    output = io.StringIO()
    code = arguments.handler(arguments, Console(file=output, width=200))
    return Result(code, output.getvalue())


def local(tiny: Sandbox, folder: Path) -> list[str]:
    return [
        "--base-url",
        tiny.base_url,
        "--duckdb-path",
        str(folder / "warehouse.duckdb"),
        "--pipelines-dir",
        str(folder / "pipelines"),
    ]


def test_create_application_from_file(tiny: Sandbox, environment: Path) -> None:
    input_file = environment / "input.json"
    input_file.write_text(json.dumps(applicant(open_job(tiny), idempotency_key="cli-1")))

    result = run("action", "create-application", str(input_file), *local(tiny, environment))

    assert result.code == 0
    output = result.json()
    assert output["created"] is True
    assert output["application"]["remote_id"] == applications_with_key(tiny, "cli-1")[0].id


def test_invalid_input_from_stdin(
    tiny: Sandbox,
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = applicant(open_job(tiny))
    payload["candidate"]["location"]["country"] = "UK"

    result = run(
        "action", "create-candidate", *local(tiny, environment),
        stdin=json.dumps(payload), monkeypatch=monkeypatch,
    )  # fmt: skip

    assert result.code == 2
    [problem] = result.json()["problems"]
    assert problem["field"] == "candidate.location.country"
    assert "use GB" in problem["message"]
    assert "candidate.location.country" in capsys.readouterr().err
    assert tiny.stats.count("/applications", method="POST") == 0


def test_malformed_json_rejected(tiny: Sandbox, environment: Path) -> None:
    broken = environment / "broken.json"
    broken.write_text('{"candidate": ')

    result = run("action", "add-note", str(broken), *local(tiny, environment))

    assert result.code == 2
    assert "line 1" in result.json()["message"]


def test_missing_key_is_misconfiguration(
    tiny: Sandbox,
    environment: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("SOURCES__PINPOINT__API_KEY")
    (environment / "note.json").write_text('{"application_id": "remote:1", "content": "x"}')

    result = run("action", "add-note", "note.json", *local(tiny, environment))

    message = result.json()["message"]
    assert result.code == 2
    assert "API key is missing" in message
    # Square brackets such as [sources.pinpoint] must reach stderr as written.
    assert " ".join(message.split()) in " ".join(capsys.readouterr().err.split())


def test_attachments_downloaded(tiny: Sandbox, environment: Path) -> None:
    application = next(
        a
        for a in tiny.store.records("applications")
        if a.extra_attributes.get("attachments") and not a.attributes.get("concealed")
    )
    (environment / "input.json").write_text(
        json.dumps({"application_id": f"remote:{application.id}"})
    )

    result = run(
        "action", "get-application-attachments", "input.json", "--download", "files",
        "--no-destination", "--base-url", tiny.base_url,
    )  # fmt: skip

    assert result.code == 0
    items = result.json()
    assert items
    assert all(Path(item["path"]).read_bytes().startswith(b"%PDF") for item in items)


def test_passthrough_get_and_post(
    tiny: Sandbox, environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = run(
        "passthrough", "get", "/jobs", "--param", "page[size]=1", "--base-url", tiny.base_url
    )
    application = tiny.store.records("applications")[0]
    body = {
        "data": {
            "type": "comments",
            "attributes": {"body_text": "via cli"},
            "relationships": {
                "commentable": {"data": {"type": "applications", "id": application.id}}
            },
        }
    }
    created = run(
        "passthrough", "POST", "comments", "--data", "-", "--base-url", tiny.base_url,
        stdin=json.dumps(body), monkeypatch=monkeypatch,
    )  # fmt: skip

    assert listed.code == 0
    assert len(listed.json()["body"]["data"]) == 1
    assert created.code == 0
    assert created.json()["status_code"] == 201


@pytest.mark.parametrize("path", ["https://example.com/api/v1/jobs", "/jobs/../../admin"])
def test_passthrough_outside_root_rejected(tiny: Sandbox, environment: Path, path: str) -> None:
    result = run("passthrough", "GET", path, "--base-url", tiny.base_url)

    assert result.code == 2
    assert result.json()["problems"][0]["field"] == "path"
    assert tiny.stats.total == 0


def test_passthrough_bad_param(tiny: Sandbox, environment: Path) -> None:
    result = run("passthrough", "GET", "/jobs", "--param", "nosign", "--base-url", tiny.base_url)

    assert result.code == 2
    assert "NAME=VALUE" in result.json()["message"]


def test_check_exit_codes(
    tiny: Sandbox, environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = run("check", "--base-url", tiny.base_url)
    tiny.add_key(ApiKey("reader", {"Comment": "read"}, default="write"))
    monkeypatch.setenv("SOURCES__PINPOINT__API_KEY", "reader")
    restricted = run(
        "check", "--json", "--tables", "candidates", "--actions", "add-note",
        "--base-url", tiny.base_url,
    )  # fmt: skip

    assert full.code == 0
    assert "Every needed permission is granted" in full.stdout
    assert restricted.code == 2
    scopes = {scope["name"]: scope for scope in restricted.json()["scopes"]}
    assert scopes["candidates"]["granted"] is True
    assert scopes["add_note"]["missing"] == ["Comment: Write"]
    assert "Comment to Write and Delete" in scopes["add_note"]["how_to_grant"]


def test_check_unknown_action(tiny: Sandbox, environment: Path) -> None:
    result = run("check", "--actions", "fly", "--base-url", tiny.base_url)

    assert result.code == 2


def test_coverage_command(
    tiny: Sandbox, tiny_settings: PinpointSettings, warehouse: Warehouse, environment: Path
) -> None:
    warehouse.sync(tiny_settings, build_reports_after=False)

    result = run(
        "coverage", "--json", "--tables", "users,jobs",
        "--duckdb-path", str(warehouse.path), "--pipelines-dir", str(environment / "other"),
    )  # fmt: skip
    printed = run(
        "coverage", "--tables", "users",
        "--duckdb-path", str(warehouse.path), "--pipelines-dir", str(environment / "other"),
    )  # fmt: skip

    assert result.code == 0
    users, jobs = result.json()
    assert users["rows"] == tiny.store.count("users")
    assert users["columns"]["id"]["share"] == 1.0
    assert jobs["columns"]["custom_fields"]["rows_with_value"] == 0
    assert printed.code == 0
    assert "first_name" in printed.stdout
