"""Privacy policies without a sync: configuration, keys, pseudonyms and the row filter."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from privacy_helpers import TEST_KEY

from pipelines.pinpoint.erasure import loaded_erasure_state
from pipelines.pinpoint.errors import PinpointConfigurationError
from pipelines.pinpoint.privacy import Action, PrivacyPolicy, resolve_privacy
from pipelines.pinpoint.privacy_filter import ERASED_MARKER, Pseudonymiser
from pipelines.pinpoint.privacy_inventory import (
    PERSONAL_PATHS,
    PROTECTED_COLUMNS,
    REVIEWED_COLUMNS,
    Category,
)
from pipelines.pinpoint.tables import TABLES

KEY_VARIABLE = "SOURCES__PINPOINT__PRIVACY_KEY"


def candidate_row(**attributes: Any) -> dict[str, Any]:
    """A mapped candidate row as the mapper builds it, with raw attributes in remote_data."""
    raw = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "full_name": "Ada Lovelace",
        "email": "Ada.Lovelace@Example.com",
        "phone": "+44 20 7946 0000",
        "town": "London",
        "postcode": "SW1A 1AA",
        "created_at": "2025-01-01T00:00:00+00:00",
        "attachments": [{"context": "pdf_cv", "name": "ada_lovelace_cv.pdf", "url": "https://x"}],
        **attributes,
    }
    return {
        "id": "candidate-1",
        "remote_id": "1",
        "first_name": raw["first_name"],
        "last_name": raw["last_name"],
        "email_addresses": [{"email_address": raw["email"], "type": None}],
        "phone_numbers": [{"phone_number": raw["phone"], "type": None}],
        "social_media": [],
        "location": {"city": "London", "zip_code": "SW1A 1AA", "raw": "SW1A 1AA, London"},
        "remote_data": {"/candidates/1": {"id": "1", "type": "candidates", "attributes": raw}},
    }


def test_every_column_reviewed() -> None:
    for table, spec in TABLES.items():
        unreviewed = set(spec.column_names) - PROTECTED_COLUMNS - REVIEWED_COLUMNS[table]
        assert not unreviewed, f"{table} has columns nobody classified: {sorted(unreviewed)}"


def test_analytics_has_rule_for_every_personal_path() -> None:
    policy = PrivacyPolicy.preset("analytics")

    for entry in PERSONAL_PATHS:
        assert entry.path in policy.rules, f"analytics has no rule for {entry.path}"
    assert policy.action("candidates.email_addresses.email_address") == Action.PSEUDONYMISE
    assert policy.action("candidates.first_name") == Action.DROP
    assert policy.action("candidates.remote_data.unknown_new_field") == Action.DROP
    assert policy.action("applications.remote_data.stage_id") == Action.KEEP
    assert policy.action("jobs.remote_data.title") == Action.KEEP


def test_none_preset_keeps_everything() -> None:
    policy = resolve_privacy("none")

    assert dict(policy.rules) == {}
    assert policy.action("candidates.first_name") == Action.KEEP
    assert policy.retention_days == 30


def test_mapping_overrides_preset() -> None:
    policy = PrivacyPolicy.from_mapping(
        {
            "preset": "analytics",
            "retention_days": 7,
            "rules": {"candidates.first_name": "pseudonymize", "candidates.location": "drop"},
        }
    )

    assert policy.name == "analytics"
    assert policy.retention_days == 7
    assert policy.action("candidates.first_name") == Action.PSEUDONYMISE
    assert policy.action("candidates.location") == Action.DROP
    assert policy.action("users.first_name") == Action.DROP


def test_toml_file_resolved_by_path(tmp_path: Path) -> None:
    path = tmp_path / "privacy.toml"
    path.write_text(
        'preset = "strict"\nretention_days = 0\n\n[rules]\n"candidates.location" = "keep"\n'
    )

    policy = resolve_privacy(str(path))

    assert policy.name == str(path)
    assert policy.retention_days == 0
    assert policy.action("candidates.location") == Action.KEEP
    assert policy.action("candidates.first_name") == Action.DROP


def test_dlt_setting_selects_preset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCES__PINPOINT__PRIVACY", "strict")

    assert resolve_privacy(None).name == "strict"


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({"preset": "gdpr"}, "preset 'gdpr' is unknown"),
        ({"rules": {"candidates.first_name": "hide"}}, "action 'hide' is invalid"),
        ({"rules": {"people.first_name": "drop"}}, "expected table.column"),
        ({"rules": {"candidates.nickname": "drop"}}, "has no column 'nickname'"),
        ({"rules": {"candidates.id": "pseudonymise"}}, "id cannot be changed"),
        ({"rules": {"candidates.location.planet": "drop"}}, "has no field 'planet'"),
        ({"rules": {"candidates.location": "pseudonymise"}}, "only text columns"),
        ({"rules": {"candidates.remote_data.attachments": "keep"}}, "never loaded"),
        ({"rules": {"candidates.remote_data.a.b": "drop"}}, "expected table.column"),
        ({"retention_days": -1}, "retention_days must be a whole number"),
        ({"retention": 3}, "unknown key(s) retention"),
    ],
)
def test_invalid_configuration_rejected(config: dict[str, Any], expected: str) -> None:
    with pytest.raises(PinpointConfigurationError) as caught:
        PrivacyPolicy.from_mapping(config)

    assert expected in str(caught.value)


def test_unknown_preset_or_file_rejected() -> None:
    with pytest.raises(PinpointConfigurationError) as caught:
        resolve_privacy("analytic")

    assert "neither a preset nor a TOML file" in str(caught.value)
    with pytest.raises(PinpointConfigurationError, match="was not found"):
        resolve_privacy("missing-privacy.toml")


def test_missing_key_raises_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)

    with pytest.raises(PinpointConfigurationError) as caught:
        resolve_privacy("analytics").row_filter()

    message = str(caught.value)
    assert "[sources.pinpoint] privacy_key" in message
    assert KEY_VARIABLE in message
    assert "'analytics'" in message
    # Presets without pseudonyms need no key.
    assert resolve_privacy("strict").row_filter() is not None
    assert resolve_privacy("none").row_filter() is not None


def test_short_key_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, "short")

    with pytest.raises(PinpointConfigurationError) as caught:
        resolve_privacy("analytics").row_filter()

    assert "too short" in str(caught.value)
    assert "short" not in str(caught.value).replace("too short", "")


def test_key_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_VARIABLE, TEST_KEY)
    policy = resolve_privacy("analytics")

    from_environment = policy.row_filter()("users", [{"id": "u", "email": "a@example.com"}])
    explicit = policy.row_filter(key=TEST_KEY)("users", [{"id": "u", "email": "a@example.com"}])

    assert from_environment == explicit
    assert from_environment[0]["email"] != "a@example.com"


def test_pseudonyms_normalised_and_keyed() -> None:
    pseudonymiser = Pseudonymiser(TEST_KEY.encode())
    email = pseudonymiser.pseudonym("Ada.Lovelace@Example.com ", Category.EMAIL)

    assert email == pseudonymiser.pseudonym("ada.lovelace@example.com", Category.EMAIL)
    assert email is not None and len(email) == 64
    assert email != Pseudonymiser(b"another-key-0123456789").pseudonym(
        "ada.lovelace@example.com", Category.EMAIL
    )
    assert pseudonymiser.pseudonym("+44 20 7946 0000", Category.PHONE) == (
        pseudonymiser.pseudonym("+442079460000", Category.PHONE)
    )
    assert pseudonymiser.pseudonym("  ", Category.NAME) is None
    assert TEST_KEY not in repr(pseudonymiser)


def test_row_filter_leaves_input_unchanged() -> None:
    row = candidate_row()
    before = copy.deepcopy(row)

    (filtered,) = resolve_privacy("analytics").row_filter(key=TEST_KEY)("candidates", [row])

    assert row == before
    assert filtered["first_name"] is None
    assert filtered["location"] == {"city": "London", "zip_code": None, "raw": None}
    address = filtered["email_addresses"][0]["email_address"]
    assert address == Pseudonymiser(TEST_KEY.encode()).pseudonym(
        "ada.lovelace@example.com", Category.EMAIL
    )
    attributes = filtered["remote_data"]["/candidates/1"]["attributes"]
    assert attributes == {
        "email": address,
        "phone": filtered["phone_numbers"][0]["phone_number"],
        "town": "London",
        "created_at": "2025-01-01T00:00:00+00:00",
    }


def test_row_filter_removes_attachments_under_none() -> None:
    (filtered,) = resolve_privacy("none").row_filter()("candidates", [candidate_row()])

    attributes = filtered["remote_data"]["/candidates/1"]["attributes"]
    assert "attachments" not in attributes
    assert attributes["first_name"] == "Ada"


def test_row_filter_marks_erased_candidates() -> None:
    row_filter = resolve_privacy("analytics").row_filter(key=TEST_KEY)
    erased = candidate_row(first_name=None, last_name=None, full_name=None, email=None, phone="")
    erased["id"] = "candidate-2"

    present, marked = row_filter("candidates", [candidate_row(), erased])

    assert present["remote_data"]["/candidates/1"]["meta"] == {ERASED_MARKER: False}
    assert marked["remote_data"]["/candidates/1"]["meta"] == {ERASED_MARKER: True}
    assert row_filter.tracker.pending() == (frozenset({"candidate-2"}), frozenset({"candidate-1"}))


def test_loaded_erasure_state_cases() -> None:
    def document(attributes: dict[str, Any], meta: dict[str, Any] | None = None) -> str:
        resource: dict[str, Any] = {"id": "1", "type": "candidates", "attributes": attributes}
        if meta is not None:
            resource["meta"] = meta
        return json.dumps({"/candidates/1": resource})

    assert loaded_erasure_state(document({}, {ERASED_MARKER: True})) is True
    # The marker decides, also when the policy removed the identifying attributes.
    assert loaded_erasure_state(document({"email": None}, {ERASED_MARKER: False})) is False
    # Without the row filter, the raw attributes decide.
    assert loaded_erasure_state(document({"first_name": None, "email": ""})) is True
    assert loaded_erasure_state(document({"first_name": "Ada", "email": None})) is False
    assert loaded_erasure_state(document({"created_at": "2025-01-01"})) is False
    assert loaded_erasure_state(None) is None
