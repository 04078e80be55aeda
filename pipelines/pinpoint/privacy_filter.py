"""The row filter that applies a privacy policy to mapped rows before they become Arrow.

It runs inside the extract step, on every page of every table, so dropped and
pseudonymised values never reach dlt's files, the destination, a staging table or a log.
It never changes the rows or raw resources it receives: mappers of other tables read the
same page, so every changed row, JSON value and resource is a copy.

Besides the policy's rules, the filter always removes `attachments` from raw resources.
It also notes for the erasure step whether each candidate arrives with every identifying
attribute empty (erased or concealed in Pinpoint): in an `ErasureTracker`, and as
`meta.personal_data_erased` (true or false) on the candidate's raw resource.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pipelines.pinpoint.privacy_inventory import (
    IDENTITY_ATTRIBUTES,
    PERSONAL_PATHS,
    Category,
)
from pipelines.pinpoint.privacy_presets import Action
from pipelines.pinpoint.tables import TABLES

__all__ = [
    "ERASED_MARKER",
    "ErasureTracker",
    "PrivacyRowFilter",
    "Pseudonymiser",
    "TablePlan",
    "candidate_erased",
    "compile_plans",
]

ERASED_MARKER = "personal_data_erased"
"""Key in the `meta` of a candidate's raw resource: true when the candidate is erased."""

NEVER_LOADED_ATTRIBUTES = frozenset({"attachments"})
"""Raw attributes removed under every policy: attachment lists carry file names built from
the person's name and download URLs of CVs."""

_CATEGORIES = {entry.path: entry.category for entry in PERSONAL_PATHS}


class Pseudonymiser:
    """Keyed hashing of personal values: HMAC-SHA256, hex encoded.

    Values are normalised first: emails are lowercased, phone numbers reduced to digits
    and a leading +, and other text has its whitespace collapsed and its case folded. The
    kind is part of the message, so one email address gets one pseudonym in every table
    and run.
    """

    def __init__(self, key: bytes) -> None:
        self._key = key

    def __repr__(self) -> str:
        return "Pseudonymiser(key=<hidden>)"

    def pseudonym(self, value: Any, category: Category | None = None) -> str | None:
        """Return the pseudonym of `value`, or None for null and blank values."""
        if value is None:
            return None
        if isinstance(value, dict | list):
            text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        else:
            text = str(value)
        if category == Category.EMAIL:
            kind, normalised = "email", text.strip().lower()
        elif category == Category.PHONE:
            stripped = text.strip()
            digits = "".join(character for character in stripped if character.isdigit())
            kind, normalised = "phone", ("+" if stripped.startswith("+") else "") + digits
        else:
            kind, normalised = "text", " ".join(text.split()).casefold()
        if not normalised:
            return None
        message = f"{kind}:{normalised}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


class ErasureTracker:
    """Candidates the row filter saw, split into erased and not erased; thread-safe.

    The erasure step reads it after the load and removes the ids it has recorded.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._erased: set[str] = set()
        self._present: set[str] = set()

    def record(self, candidate_id: str, erased: bool) -> None:
        with self._lock:
            (self._erased if erased else self._present).add(candidate_id)
            (self._present if erased else self._erased).discard(candidate_id)

    def pending(self) -> tuple[frozenset[str], frozenset[str]]:
        """Return (erased ids, not erased ids) seen since the last `forget`."""
        with self._lock:
            return frozenset(self._erased), frozenset(self._present)

    def forget(self, erased: frozenset[str], present: frozenset[str]) -> None:
        with self._lock:
            self._erased -= erased
            self._present -= present


@dataclass
class TablePlan:
    """The actions of one table, compiled from a policy's rules."""

    table: str
    columns: dict[str, Action] = field(default_factory=dict)
    """Whole columns that are not kept."""
    fields: dict[str, dict[str, Action]] = field(default_factory=dict)
    """JSON column -> field -> action, for fields that are not kept."""
    attributes: dict[str, Action] = field(default_factory=dict)
    """Raw `remote_data` attribute -> action, for every attribute with its own rule."""
    other_attributes: Action = Action.KEEP
    """Action on raw attributes without their own rule."""


def compile_plans(rules: Mapping[str, Action]) -> dict[str, TablePlan]:
    """Group validated rules by table; every table with `remote_data` gets a plan."""
    grouped: dict[str, TablePlan] = {
        name: TablePlan(name) for name, spec in TABLES.items() if "remote_data" in spec.column_names
    }
    for path, action in rules.items():
        table, column, *rest = path.split(".", 2)
        plan = grouped.setdefault(table, TablePlan(table))
        if column == "remote_data" and rest:
            if rest[0] == "*":
                plan.other_attributes = action
            else:
                plan.attributes[rest[0]] = action
        elif rest and action != Action.KEEP:
            plan.fields.setdefault(column, {})[rest[0]] = action
        elif not rest and action != Action.KEEP:
            plan.columns[column] = action
    return grouped


def candidate_erased(resource: Any) -> bool:
    """Return whether a raw candidate sends identifying attributes that are all empty.

    A resource that sends none of `IDENTITY_ATTRIBUTES` (a sparse fieldset) is not erased.
    """
    attributes = resource.get("attributes") if isinstance(resource, dict) else None
    if not isinstance(attributes, dict):
        return False
    sent = [attributes[name] for name in IDENTITY_ATTRIBUTES if name in attributes]
    return bool(sent) and all(value is None or str(value).strip() == "" for value in sent)


class PrivacyRowFilter:
    """A `RowFilter` for `pinpoint_source`: applies compiled plans to each mapped page."""

    def __init__(
        self,
        plans: Mapping[str, TablePlan],
        pseudonymiser: Pseudonymiser | None,
        tracker: ErasureTracker | None = None,
    ) -> None:
        self._plans = dict(plans)
        self._pseudonymiser = pseudonymiser
        self.tracker = tracker or ErasureTracker()

    def __repr__(self) -> str:
        return f"PrivacyRowFilter(tables={sorted(self._plans)})"

    def __call__(self, table: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        plan = self._plans.get(table)
        if plan is None:
            return rows
        return [self._filter_row(plan, row) for row in rows]

    def _filter_row(self, plan: TablePlan, row: dict[str, Any]) -> dict[str, Any]:
        result = dict(row)
        erased = False
        if plan.table == "candidates":
            erased = any(candidate_erased(item) for item in _resources(row.get("remote_data")))
            if row.get("id"):
                self.tracker.record(str(row["id"]), erased)
        for column, action in plan.columns.items():
            if column in result:
                result[column] = self._apply(action, result[column], f"{plan.table}.{column}")
        for column, field_actions in plan.fields.items():
            if plan.columns.get(column) != Action.DROP and column in result:
                result[column] = self._filter_json(
                    plan.table, column, field_actions, result[column]
                )
        if "remote_data" in result and plan.columns.get("remote_data") != Action.DROP:
            result["remote_data"] = self._filter_remote_data(plan, result["remote_data"], erased)
        return result

    def _apply(self, action: Action, value: Any, path: str) -> Any:
        if action == Action.KEEP or value is None:
            return value
        if action == Action.DROP:
            return None
        if self._pseudonymiser is None:
            # `PrivacyPolicy.row_filter` always passes a pseudonymiser when a rule needs one.
            raise RuntimeError(f"{path} is set to pseudonymise, but the filter has no key")
        return self._pseudonymiser.pseudonym(value, _CATEGORIES.get(path))

    def _filter_json(self, table: str, column: str, actions: dict[str, Action], value: Any) -> Any:
        def filter_item(item: Any) -> Any:
            if not isinstance(item, dict):
                return item
            changed = dict(item)
            for name, action in actions.items():
                if name in changed:
                    changed[name] = self._apply(action, changed[name], f"{table}.{column}.{name}")
            return changed

        if isinstance(value, list):
            return [filter_item(item) for item in value]
        return filter_item(value)

    def _filter_remote_data(self, plan: TablePlan, value: Any, erased: bool) -> Any:
        if not isinstance(value, dict):
            return value
        return {
            path: self._filter_resource(plan, resource, erased) for path, resource in value.items()
        }

    def _filter_resource(self, plan: TablePlan, resource: Any, erased: bool) -> Any:
        if not isinstance(resource, dict):
            return resource
        filtered = dict(resource)
        attributes = resource.get("attributes")
        if isinstance(attributes, dict):
            loaded: dict[str, Any] = {}
            for name, value in attributes.items():
                if name in NEVER_LOADED_ATTRIBUTES:
                    continue
                action = plan.attributes.get(name, plan.other_attributes)
                if action == Action.DROP:
                    continue
                loaded[name] = self._apply(action, value, f"{plan.table}.remote_data.{name}")
            filtered["attributes"] = loaded
        if plan.table == "candidates":
            meta = resource.get("meta")
            filtered["meta"] = {**(meta if isinstance(meta, dict) else {}), ERASED_MARKER: erased}
        return filtered


def _resources(remote_data: Any) -> list[Any]:
    return list(remote_data.values()) if isinstance(remote_data, dict) else []
