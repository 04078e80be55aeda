"""Helpers of the privacy tests: sandbox people and scans for their personal values.

A scan reads every table and column of the destination's schemas: the dataset,
`<dataset>_staging` and `<dataset>_reports`. Text cells are checked as they are or, when
they hold JSON, leaf by leaf, because JSON escapes would hide a value from a check of
the raw text. dlt's compressed pipeline state is decompressed first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.versioned_state import decompress_state
from sync_helpers import Warehouse

from pipelines.pinpoint.ids import unified_id
from pipelines.sandbox import Sandbox
from pipelines.sandbox.records import Record
from pipelines.sync import SyncResult

TEST_KEY = "privacy-test-key-0123456789abcdef"
ERASED_FIELDS = {  # what an erasure in Pinpoint leaves of a candidate's details
    "first_name": None,
    "middle_name": None,
    "last_name": None,
    "preferred_name": None,
    "email": None,
    "phone": None,
    "date_of_birth": None,
    "address1": None,
    "address2": None,
    "postcode": None,
}


def interviewed_candidate(account: Sandbox) -> tuple[Record, list[Record]]:
    """Return a candidate with an email, an interview and visible applications."""
    store = account.store
    interviewed = {
        str(record.attributes["interviewable_id"]) for record in store.records("interviews")
    }
    for candidate in store.records("candidates"):
        applications = [
            application
            for application in store.records("applications")
            if application.attributes["candidate_id"] == candidate.id
        ]
        visible = applications and not any(app.attributes["concealed"] for app in applications)
        has_email = "@" in str(candidate.attributes.get("email") or "")
        if visible and has_email and interviewed & {app.id for app in applications}:
            return candidate, applications
    raise AssertionError("the sandbox account has no interviewed candidate with an email")


def row_id(model: str, remote_id: str) -> str:
    return unified_id("test", model, remote_id)


_IDENTITY_ATTRIBUTES = ("first_name", "middle_name", "last_name", "preferred_name")
_CONTAINED_ATTRIBUTES = ("email", "full_name", "address1", "linkedin_url", "date_of_birth")


@dataclass
class SyncedWarehouse:
    """A warehouse after one full sync of the shared account under a preset."""

    warehouse: Warehouse
    result: SyncResult


@dataclass(frozen=True)
class Needles:
    """Values to look for: `exact` must not be a whole value, `contained` not even a part."""

    exact: frozenset[str]
    contained: frozenset[str]
    pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        longest_first = sorted(self.contained, key=len, reverse=True)
        alternatives = "|".join(re.escape(needle) for needle in longest_first)
        object.__setattr__(self, "pattern", re.compile(alternatives) if alternatives else None)

    def matches(self, value: str) -> list[str]:
        found = self.pattern.findall(value) if self.pattern is not None else []
        if value in self.exact:
            found.append(value)
        return found

    def including(self, contained: Iterable[str]) -> Needles:
        return Needles(self.exact, self.contained | frozenset(contained))

    def __or__(self, other: Needles) -> Needles:
        return Needles(self.exact | other.exact, self.contained | other.contained)


@dataclass(frozen=True)
class Finding:
    """A personal value found in the database."""

    location: str
    value: str


def person_needles(account: Sandbox, candidate_ids: Iterable[str] | None = None) -> Needles:
    """Return the names, emails, phones, addresses, profile URLs and birth dates of candidates.

    Values come from the candidates and from their applications (LinkedIn URLs live on
    applications). Without `candidate_ids`, every candidate of the sandbox counts. With
    them, values that another candidate shares (a common first name, say) are left out,
    because finding them proves nothing about these candidates.
    """
    selected = None if candidate_ids is None else {str(value) for value in candidate_ids}
    exact: set[str] = set()
    contained: set[str] = set()
    shared_exact: set[str] = set()
    shared_contained: set[str] = set()
    for record in [*account.store.records("candidates"), *account.store.records("applications")]:
        owner = record.id if record.type == "candidates" else record.attributes["candidate_id"]
        mine = selected is None or str(owner) in selected
        record_exact, record_contained = _personal_values(record.attributes)
        (exact if mine else shared_exact).update(record_exact)
        (contained if mine else shared_contained).update(record_contained)
    return Needles(frozenset(exact - shared_exact), frozenset(contained - shared_contained))


def user_needles(account: Sandbox) -> Needles:
    """Return the names and emails of the account's users, the employees who hire."""
    exact: set[str] = set()
    contained: set[str] = set()
    for user in account.store.records("users"):
        exact.update(
            str(user.attributes[name])
            for name in ("first_name", "last_name")
            if user.attributes.get(name)
        )
        if user.attributes.get("email"):
            contained.add(str(user.attributes["email"]))
    return Needles(frozenset(exact), frozenset(contained))


def _personal_values(attributes: dict[str, Any]) -> tuple[set[str], set[str]]:
    exact = {str(attributes[name]) for name in _IDENTITY_ATTRIBUTES if attributes.get(name)}
    if attributes.get("postcode"):
        exact.add(str(attributes["postcode"]))
    contained = set()
    for name in _CONTAINED_ATTRIBUTES:
        value = attributes.get(name)
        if value:
            contained.add(value.isoformat() if hasattr(value, "isoformat") else str(value))
    phone = attributes.get("phone")
    if phone and len(str(phone)) >= 8:
        contained.add(str(phone))
    return exact, contained


def scan_database(path: Path, needles: Needles) -> list[Finding]:
    """Return every place in the DuckDB file at `path` where a needle occurs."""
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog') "
            "order by table_schema, table_name"
        ).fetchall()
        findings: list[Finding] = []
        for schema, table in tables:
            cursor = connection.execute(f'select * from "{schema}"."{table}"')
            columns = [description[0] for description in cursor.description]
            findings += _scan_rows(f"{schema}.{table}", columns, cursor.fetchall(), needles)
    return findings


def scan_schemas(pipeline: dlt.Pipeline, schemas: Iterable[str], needles: Needles) -> list[Finding]:
    """Return every place in the destination's `schemas` where a needle occurs."""
    findings: list[Finding] = []
    with pipeline.sql_client() as client:
        for schema in schemas:
            tables = client.execute_sql(
                "select table_name from information_schema.tables where table_schema = %s",
                schema,
            )
            for (table,) in tables or []:
                with client.execute_query(f'select * from "{schema}"."{table}"') as cursor:
                    columns = [description[0] for description in cursor.description]
                    rows = cursor.fetchall()
                findings += _scan_rows(f"{schema}.{table}", columns, rows, needles)
    return findings


def _scan_rows(
    table: str, columns: list[str], rows: Iterable[Sequence[Any]], needles: Needles
) -> list[Finding]:
    findings: list[Finding] = []
    for row in rows:
        for column, cell in zip(columns, row, strict=True):
            for value in _text_values(cell, decompress=column == "state"):
                findings.extend(Finding(f"{table}.{column}", hit) for hit in needles.matches(value))
    return findings


def _text_values(cell: Any, *, decompress: bool = False) -> Iterator[str]:
    """Yield the text of a cell: the JSON leaves of a JSON document, else the text itself."""
    if isinstance(cell, dict | list):
        yield from _json_leaves(cell)
        return
    if not isinstance(cell, str):
        return
    document: Any = None
    if decompress:
        try:
            document = decompress_state(cell)
        except Exception:  # not every column named state contains dlt's compressed state
            document = None
    elif cell[:1] in {"{", "["}:
        try:
            document = json.loads(cell)
        except ValueError:
            document = None
    if document is None:
        yield cell
    else:
        yield from _json_leaves(document)


def _json_leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _json_leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_leaves(item)
    elif isinstance(value, str):
        yield value
