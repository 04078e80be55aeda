"""Map users, candidates and their tags.

Candidates are requested with `include=applications&extra_fields[candidates]=tags`.
The unified `source` and `social_media` columns come from the candidate's applications,
because Pinpoint stores the hiring channel and the LinkedIn URL per application. Only
the attributes in `CANDIDATE_APPLICATION_FIELDS` are requested for those included
applications (a sparse fieldset): the rest would triple the size of a candidate page.

Tags have no endpoint and no id in Pinpoint: they are `{name, context}` pairs, so the
natural key `context:name` is their remote id.

Blind-screened and erased candidates arrive with personal fields null; the mappers keep
the nulls and never fill them in.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Document, Resource
from pipelines.pinpoint.mappers.common import (
    MapContext,
    attribute,
    changed_at,
    email_addresses,
    location_json,
    remote_data,
    text,
    timestamp,
    valid_email,
)

__all__ = [
    "CANDIDATE_APPLICATION_FIELDS",
    "application_source",
    "map_candidate_tags",
    "map_candidates",
    "map_tags",
    "map_users",
    "tag_pairs",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

CANDIDATE_APPLICATION_FIELDS = (
    "created_at",
    "updated_at",
    "channel",
    "channel_source",
    "linkedin_url",
)
"""Attributes of a candidate's included applications that `map_candidates` reads."""


def map_users(document: Document, context: MapContext) -> list[dict[str, Any]]:
    return [
        {
            "id": context.id("users", user["id"]),
            "remote_id": str(user["id"]),
            "first_name": text(attribute(user, "first_name")),
            "last_name": text(attribute(user, "last_name")),
            "email": valid_email(attribute(user, "email")),
            "remote_created_at": timestamp(user, "created_at"),
            "changed_at": changed_at(user),
            "remote_deleted_at": None,
        }
        for user in document
    ]


def map_candidates(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for candidate in document:
        applications = _applications_by_creation(document, candidate)
        phone = text(attribute(candidate, "phone"))
        rows.append(
            {
                "id": context.id("candidates", candidate["id"]),
                "remote_id": str(candidate["id"]),
                "first_name": text(attribute(candidate, "first_name")),
                "last_name": text(attribute(candidate, "last_name")),
                "source": _first_source(applications),
                "phone_numbers": [{"phone_number": phone, "type": None}] if phone else [],
                "email_addresses": email_addresses(attribute(candidate, "email")),
                "social_media": _social_media(applications),
                "location": location_json(
                    street_1=attribute(candidate, "address1"),
                    street_2=attribute(candidate, "address2"),
                    city=attribute(candidate, "town"),
                    state=attribute(candidate, "state_province"),
                    zip_code=attribute(candidate, "postcode"),
                    country=attribute(candidate, "country"),
                ),
                "remote_created_at": timestamp(candidate, "created_at"),
                "remote_updated_at": timestamp(candidate, "updated_at"),
                "remote_data": remote_data(candidate),
                "changed_at": changed_at(candidate, *applications),
                "remote_deleted_at": None,
            }
        )
    return rows


def tag_pairs(resource: Resource) -> list[tuple[str, str]]:
    """Return the record's tags as (context, name) pairs, skipping malformed entries."""
    tags = attribute(resource, "tags")
    if not isinstance(tags, list):
        return []
    pairs = []
    for tag in tags:
        if not isinstance(tag, dict):
            continue
        name = text(tag.get("name"))
        if name is None:
            continue
        pairs.append((text(tag.get("context")) or "", name))
    return pairs


def map_tags(document: Document, context: MapContext) -> list[dict[str, Any]]:
    """Map the tags found on a page of candidates or applications, one row per tag."""
    rows: dict[str, dict[str, Any]] = {}
    for record in document:
        moment = changed_at(record)
        for tag_context, name in tag_pairs(record):
            remote_id = f"{tag_context}:{name}"
            tag_id = context.id("tags", remote_id)
            assert tag_id is not None
            previous = rows.get(tag_id)
            if previous is not None and previous["changed_at"] >= moment:
                continue
            rows[tag_id] = {
                "id": tag_id,
                "remote_id": remote_id,
                "name": name,
                "context": tag_context or None,
                "changed_at": moment,
                "remote_deleted_at": None,
            }
    return list(rows.values())


def map_candidate_tags(document: Document, context: MapContext) -> list[dict[str, Any]]:
    rows = []
    for candidate in document:
        moment = changed_at(candidate)
        seen: set[str] = set()
        for tag_context, name in tag_pairs(candidate):
            remote_tag = f"{tag_context}:{name}"
            if remote_tag in seen:
                continue
            seen.add(remote_tag)
            rows.append(
                {
                    "id": context.id("candidate_tags", f"{candidate['id']}:{remote_tag}"),
                    "candidate_id": context.id("candidates", candidate["id"]),
                    "tag_id": context.id("tags", remote_tag),
                    "changed_at": moment,
                    "remote_deleted_at": None,
                }
            )
    return rows


def application_source(application: Resource) -> str | None:
    """Return the hiring source of an application: `channel_source`, else `channel`."""
    return text(attribute(application, "channel_source")) or text(attribute(application, "channel"))


def _applications_by_creation(document: Document, candidate: Resource) -> list[Resource]:
    applications = document.related(candidate, "applications")
    if applications is NOT_INCLUDED or not applications:
        return []
    if len(applications) == 1:
        return list(applications)

    def creation_key(application: Resource) -> tuple[bool, datetime, int, str]:
        # Applications without a creation time sort last.
        created = timestamp(application, "created_at")
        identifier = str(application["id"])
        number = int(identifier) if identifier.isdigit() else 2**63
        return (created is None, created or _EPOCH, number, identifier)

    return sorted(applications, key=creation_key)


def _first_source(applications: list[Resource]) -> str | None:
    for application in applications:
        source = application_source(application)
        if source:
            return source
    return None


def _social_media(applications: list[Resource]) -> list[dict[str, Any]]:
    for application in applications:
        link = text(attribute(application, "linkedin_url"))
        if link:
            return [{"link": link, "type": "LINKEDIN", "username": _linkedin_username(link)}]
    return []


def _linkedin_username(link: str) -> str | None:
    path = [part for part in urlsplit(link).path.split("/") if part]
    if len(path) >= 2 and path[0] in {"in", "pub"}:
        return path[1]
    return None
