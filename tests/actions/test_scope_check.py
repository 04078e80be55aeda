"""`check_permissions` against sandbox keys with fewer permissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from pipelines.check import (
    ACTIONS,
    TABLE_REQUIREMENTS,
    CheckReport,
    ScopeResult,
    check_permissions,
    grant_instruction,
)
from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.errors import PinpointAuthenticationError
from pipelines.pinpoint.tables import TABLES
from pipelines.sandbox import ApiKey, Sandbox


@pytest.fixture
def client_for(tiny: Sandbox) -> Iterator[Callable[..., PinpointClient]]:
    clients: list[PinpointClient] = []

    def create(key: str, permissions: dict[str, str], default: str = "write") -> PinpointClient:
        tiny.add_key(ApiKey(key, permissions, default=default))
        client = PinpointClient(tiny.base_url, key)
        clients.append(client)
        return client

    yield create
    for client in clients:
        client.close()


def scopes_by_name(report: CheckReport) -> dict[str, ScopeResult]:
    return {scope.name: scope for scope in report.scopes}


def test_full_key_grants_everything(tiny: Sandbox) -> None:
    with PinpointClient(tiny.base_url, tiny.api_key) as client:
        report = check_permissions(client)

    assert report.ok
    assert {scope.name for scope in report.scopes} == set(TABLES) | set(ACTIONS)
    assert all(probe.status == "granted" for probe in report.probes)


def test_missing_read_named_per_table(
    tiny: Sandbox, client_for: Callable[..., PinpointClient]
) -> None:
    client = client_for("no-candidates", {"Candidate": "none"})

    report = check_permissions(client)
    scopes = scopes_by_name(report)

    assert not report.ok
    for name in ("candidates", "candidate_tags", "tags", "get_candidate_attachments"):
        assert [r.label for r in scopes[name].missing] == ["Candidate: Read"], name
    assert scopes["jobs"].granted
    assert scopes["applications"].granted
    assert "set Candidate to Read" in grant_instruction(scopes["candidates"].missing)


def test_missing_write_named_per_action(
    tiny: Sandbox, client_for: Callable[..., PinpointClient]
) -> None:
    client = client_for("read-only", {}, default="read")

    report = check_permissions(client, tables=[])
    scopes = scopes_by_name(report)

    assert [r.label for r in scopes["add_note"].missing] == ["Comment: Write"]
    assert [r.label for r in scopes["create_application"].missing] == ["Application: Write"]
    optional = [r.label for r in scopes["create_application"].optional_missing]
    assert optional == ["Candidate: Write"]
    assert scopes["get_application_attachments"].granted
    assert "Write and Delete" in grant_instruction(scopes["add_note"].missing)


def test_optional_permission_does_not_fail(
    tiny: Sandbox, client_for: Callable[..., PinpointClient]
) -> None:
    client = client_for("no-custom", {"Custom Field": "none"})

    report = check_permissions(client, tables=[], actions=["add_result_link"])

    assert report.ok
    [scope] = report.scopes
    assert [r.label for r in scope.optional_missing] == ["Custom Field: Read"]


def test_included_type_refused_caught(
    tiny: Sandbox, client_for: Callable[..., PinpointClient]
) -> None:
    # Jobs include their department; without Department access the sync's read fails.
    client = client_for("no-departments", {"Department": "none"})

    report = check_permissions(client, tables=["jobs"], actions=[])

    [scope] = report.scopes
    assert [r.label for r in scope.missing] == ["Department: Read"]


def test_check_changes_nothing(tiny: Sandbox) -> None:
    counts = {name: tiny.store.count(name) for name in ("applications", "comments", "candidates")}
    candidates = {c.id: c.attributes["updated_at"] for c in tiny.store.records("candidates")}

    with PinpointClient(tiny.base_url, tiny.api_key) as client:
        check_permissions(client)

    assert {name: tiny.store.count(name) for name in counts} == counts
    assert {
        c.id: c.attributes["updated_at"] for c in tiny.store.records("candidates")
    } == candidates
    assert tiny.store.notifications == []


def test_rejected_key_raises(tiny: Sandbox) -> None:
    with (
        PinpointClient(tiny.base_url, "wrong-key") as client,
        pytest.raises(PinpointAuthenticationError),
    ):
        check_permissions(client)


def test_every_table_has_requirements() -> None:
    assert set(TABLE_REQUIREMENTS) == set(TABLES)
