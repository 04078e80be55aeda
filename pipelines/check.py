"""Check that an API key has every permission the tables and actions need.

Pinpoint grants each key None, Read or "Write and Delete" per data area (Application,
Candidate, Job, ...). The check probes each area once, cheaply and without changing
anything:

* Read: `GET /<endpoint>?page[size]=1&fields[<type>]=id`.
* Write: a request Pinpoint must reject after its permission check, so nothing is
  written: `POST /applications` and `POST /comments` with empty attributes (422), and
  `PUT /candidates/0` (404). A 403 means the permission is missing, any other rejection
  means it is granted. NOTE: that Pinpoint checks the permission before it validates the
  body or looks the record up is inferred; the sandbox behaves that way.

Then it reads each table's endpoints the way a sync does (one record, with the sync's
includes), which catches an included type whose area the requirement list misses.

Which areas a table or action needs is listed in `TABLE_REQUIREMENTS` and
`ACTION_REQUIREMENTS`; the areas of included types follow the sandbox's model of Pinpoint
(stages belong to Job, answers to Application).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table

from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.errors import (
    PinpointAuthenticationError,
    PinpointBadRequestError,
    PinpointHTTPError,
    PinpointNotFoundError,
    PinpointPermissionError,
    PinpointUnavailableError,
    PinpointValidationError,
)
from pipelines.pinpoint.source import ALL_JOB_VISIBILITIES, QUERIES, TABLE_RESOURCES
from pipelines.pinpoint.tables import TABLES

__all__ = [
    "ACTIONS",
    "ACTION_REQUIREMENTS",
    "TABLE_REQUIREMENTS",
    "CheckReport",
    "Requirement",
    "ScopeResult",
    "check_permissions",
    "grant_instruction",
    "print_check_report",
]

logger = logging.getLogger(__name__)

READ = "Read"
WRITE = "Write"


@dataclass(frozen=True)
class Requirement:
    """A permission one table or action needs: an area at Read or Write.

    An optional requirement only enables part of an action, named by `purpose`.
    """

    area: str
    level: str
    optional: bool = False
    purpose: str = ""

    @property
    def label(self) -> str:
        return f"{self.area}: {self.level}"


def _needs(*pairs: tuple[str, str]) -> tuple[Requirement, ...]:
    return tuple(Requirement(area, level) for area, level in pairs)


_JOB_PAGES = _needs(
    ("Job", READ), ("Department", READ), ("Location", READ), ("Question", READ), ("User", READ)
)
_CANDIDATE_PAGES = _needs(("Candidate", READ), ("Application", READ))
_APPLICATION_PAGES = _needs(("Application", READ), ("Job", READ))

TABLE_REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "users": _needs(("User", READ)),
    "jobs": _JOB_PAGES,
    "application_stages": _JOB_PAGES,
    "job_application_stages": _JOB_PAGES,
    "job_screening_questions": _JOB_PAGES,
    "job_hiring_team_members": _JOB_PAGES,
    "screening_questions": _JOB_PAGES,
    "candidates": _CANDIDATE_PAGES,
    "candidate_tags": _CANDIDATE_PAGES,
    "tags": (*_CANDIDATE_PAGES, Requirement("Job", READ)),
    "applications": _APPLICATION_PAGES,
    "interviews": _needs(("Interview", READ), ("Job", READ), ("User", READ)),
}

_TAG_CANDIDATE = (
    Requirement("Candidate", READ, True, "give the new candidate the idempotency key"),
    Requirement("Candidate", WRITE, True, "give the new candidate the idempotency key"),
)
ACTION_REQUIREMENTS: dict[str, tuple[Requirement, ...]] = {
    "create_candidate": (
        *_needs(("Application", READ), ("Application", WRITE), ("Job", READ), ("Question", READ)),
        Requirement("Candidate", READ),
        Requirement("Candidate", WRITE, True, "give the new candidate the idempotency key"),
    ),
    "create_application": (
        *_needs(("Application", READ), ("Application", WRITE), ("Job", READ), ("Question", READ)),
        *_TAG_CANDIDATE,
    ),
    "move_application_to_stage": _needs(
        ("Application", READ), ("Application", WRITE), ("Job", READ)
    ),
    "add_note": _needs(("Application", READ), ("Comment", READ), ("Comment", WRITE)),
    "add_result_link": (
        *_needs(("Application", READ), ("Comment", READ), ("Comment", WRITE)),
        Requirement("Custom Field", READ, True, "write attributes to matching custom fields"),
        Requirement("Application", WRITE, True, "write attributes to matching custom fields"),
    ),
    "get_application_attachments": _needs(("Application", READ)),
    "get_candidate_attachments": _needs(("Candidate", READ), ("Application", READ)),
}
ACTIONS = tuple(ACTION_REQUIREMENTS)

# (area, level) -> (method, path, query parameters, JSON body)
_PROBES: dict[tuple[str, str], tuple[str, str, dict[str, str], Any]] = {
    ("Application", READ): (
        "GET",
        "/applications",
        {"filter[job_visibility]": ALL_JOB_VISIBILITIES, "fields[applications]": "id"},
        None,
    ),
    ("Candidate", READ): ("GET", "/candidates", {"fields[candidates]": "id"}, None),
    ("Interview", READ): ("GET", "/interviews", {"fields[interviews]": "id"}, None),
    ("Job", READ): ("GET", "/jobs", {"fields[jobs]": "id"}, None),
    ("Comment", READ): ("GET", "/comments", {"fields[comments]": "id"}, None),
    ("Department", READ): ("GET", "/departments", {"fields[departments]": "id"}, None),
    ("Location", READ): ("GET", "/locations", {"fields[locations]": "id"}, None),
    ("User", READ): ("GET", "/users", {"fields[users]": "id"}, None),
    ("Question", READ): ("GET", "/questions", {"fields[questions]": "id"}, None),
    ("Custom Field", READ): ("GET", "/custom_fields", {"fields[custom_fields]": "id"}, None),
    ("Application", WRITE): (
        "POST",
        "/applications",
        {},
        {"data": {"type": "applications", "attributes": {}}},
    ),
    ("Candidate", WRITE): (
        "PUT",
        "/candidates/0",
        {},
        {"data": {"type": "candidates", "id": "0", "attributes": {}}},
    ),
    ("Comment", WRITE): ("POST", "/comments", {}, {"data": {"type": "comments", "attributes": {}}}),
}


@dataclass
class ProbeResult:
    """Whether one area and level is granted: `granted`, `missing` or `unknown`."""

    area: str
    level: str
    status: str
    detail: str = ""


@dataclass
class ScopeResult:
    """The permissions of one table or action and which of them are missing."""

    kind: str
    name: str
    missing: list[Requirement] = field(default_factory=list)
    optional_missing: list[Requirement] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    @property
    def granted(self) -> bool:
        return not self.missing and not self.unknown


@dataclass
class CheckReport:
    """Probe results and the verdict per table and action."""

    probes: list[ProbeResult]
    scopes: list[ScopeResult]

    @property
    def ok(self) -> bool:
        return all(scope.granted for scope in self.scopes)

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "probes": [vars(probe) for probe in self.probes],
            "scopes": [
                {
                    "kind": scope.kind,
                    "name": scope.name,
                    "granted": scope.granted,
                    "missing": [r.label for r in scope.missing],
                    "optional_missing": [
                        {"permission": r.label, "purpose": r.purpose}
                        for r in scope.optional_missing
                    ],
                    "unknown": scope.unknown,
                    "how_to_grant": grant_instruction(scope.missing + scope.optional_missing),
                }
                for scope in self.scopes
            ],
        }


def grant_instruction(requirements: Sequence[Requirement]) -> str:
    """Return how to grant `requirements` in Pinpoint, or an empty string for none."""
    if not requirements:
        return ""
    levels: dict[str, str] = {}
    for requirement in requirements:
        if levels.get(requirement.area) != "Write and Delete":
            levels[requirement.area] = "Write and Delete" if requirement.level == WRITE else "Read"
    settings = ", ".join(f"{area} to {level}" for area, level in sorted(levels.items()))
    return f"in Pinpoint, Settings > API & Webhooks > API Keys, edit the key and set {settings}"


def check_permissions(
    client: PinpointClient,
    tables: Sequence[str] | None = None,
    actions: Sequence[str] | None = None,
) -> CheckReport:
    """Probe the key's permissions for `tables` and `actions` (all of each by default).

    Raises `PinpointAuthenticationError` when the key itself is rejected.
    """
    chosen_tables = list(tables) if tables is not None else list(TABLES)
    chosen_actions = list(actions) if actions is not None else list(ACTIONS)
    requirements = [
        *(requirement for name in chosen_tables for requirement in TABLE_REQUIREMENTS[name]),
        *(requirement for name in chosen_actions for requirement in ACTION_REQUIREMENTS[name]),
    ]
    needed = sorted({(r.area, r.level) for r in requirements}, key=lambda pair: pair[::-1])
    probes = {pair: _probe(client, *pair) for pair in needed}
    query_failures = _probe_sync_queries(client, chosen_tables)

    scopes = [
        _scope("table", name, TABLE_REQUIREMENTS[name], probes, query_failures.get(name, []))
        for name in chosen_tables
    ]
    scopes += [
        _scope("action", name, ACTION_REQUIREMENTS[name], probes, []) for name in chosen_actions
    ]
    return CheckReport(list(probes.values()), scopes)


def _scope(
    kind: str,
    name: str,
    requirements: tuple[Requirement, ...],
    probes: dict[tuple[str, str], ProbeResult],
    query_failures: list[str],
) -> ScopeResult:
    scope = ScopeResult(kind, name)
    for requirement in requirements:
        probe = probes[(requirement.area, requirement.level)]
        if probe.status == "missing":
            target = scope.optional_missing if requirement.optional else scope.missing
            if requirement not in target:
                target.append(requirement)
        elif probe.status == "unknown" and not requirement.optional:
            scope.unknown.append(f"{requirement.label}: {probe.detail}")
    if not scope.missing:
        scope.unknown.extend(query_failures)
    return scope


def _probe(client: PinpointClient, area: str, level: str) -> ProbeResult:
    method, path, params, body = _PROBES[(area, level)]
    if method == "GET":
        params = {**params, "page[size]": "1"}
    try:
        client.request(method, path, params=params or None, json=body)
    except PinpointAuthenticationError:
        raise
    except PinpointPermissionError as error:
        return ProbeResult(area, level, "missing", error.detail)
    except (PinpointValidationError, PinpointBadRequestError, PinpointNotFoundError) as error:
        if method == "GET":
            return ProbeResult(area, level, "unknown", f"{method} {path} failed: {error.detail}")
        return ProbeResult(area, level, "granted", f"rejected as expected: {error.detail}")
    except (PinpointHTTPError, PinpointUnavailableError) as error:
        return ProbeResult(area, level, "unknown", str(error))
    if method != "GET":
        logger.warning("Write probe %s %s was accepted; expected a rejection", method, path)
    return ProbeResult(area, level, "granted")


def _probe_sync_queries(client: PinpointClient, tables: list[str]) -> dict[str, list[str]]:
    """Read one record of each endpoint the tables need, with the sync's includes."""
    failures: dict[str, list[str]] = {}
    for pages in sorted({pages for _, table, pages, _ in TABLE_RESOURCES if table in tables}):
        query = QUERIES[pages]
        params = {
            **query.filters,
            **query.shape,
            "page[size]": "1",
            f"fields[{query.resource_type}]": "id,updated_at",
        }
        try:
            client.get(query.path, params)
            continue
        except PinpointPermissionError as error:
            message = f"GET {query.path} as the sync reads it was rejected: {error.detail}"
        except (PinpointHTTPError, PinpointUnavailableError) as error:
            message = f"GET {query.path} as the sync reads it failed: {error}"
        for _, table, source_pages, _ in TABLE_RESOURCES:
            if source_pages == pages and table in tables:
                failures.setdefault(table, []).append(message)
    return failures


def print_check_report(console: Console, report: CheckReport) -> None:
    """Print one row per table and action: granted, what is missing and how to grant it."""
    table = Table(title="API key permissions")
    table.add_column("kind")
    table.add_column("name")
    table.add_column("status")
    table.add_column("missing")
    table.add_column("how to grant")
    for scope in report.scopes:
        if scope.missing:
            status = "[red]missing[/]"
        elif scope.unknown:
            status = "[yellow]not checked[/]"
        elif scope.optional_missing:
            status = "[yellow]granted, partly[/]"
        else:
            status = "[green]granted[/]"
        missing = [requirement.label for requirement in scope.missing]
        missing += [f"{r.label} (optional: {r.purpose})" for r in scope.optional_missing]
        missing += scope.unknown
        table.add_row(
            scope.kind,
            scope.name,
            status,
            "\n".join(missing),
            grant_instruction(scope.missing + scope.optional_missing),
        )
    console.print(table)
    if report.ok:
        console.print("Every needed permission is granted.")
    else:
        console.print(
            "[red]Some needed permissions are missing or could not be checked;[/] grant them "
            "and run `pinpoint check` again."
        )
