"""List the files of an application or a candidate, and optionally download them.

Pinpoint lists files only on request, as `extra_fields[applications]=attachments` (and
`[candidates]`): items of `{context, name, url}`, where `url` is a download link that
may expire. Each item becomes

    {"id", "remote_id", "type", "file_name", "content_type", "data_url",
     "application_id", "candidate_id"}

`type` is CV for the contexts `cv` and `pdf_cv`, COVER_LETTER for `cover_letter` and
OTHER for anything else. Pinpoint gives attachments no id, so `remote_id` is made of the
owner, the position in the list and the context. Pinpoint sends no media type either, so
`content_type` is guessed from the file name's extension. Applications of a concealed
(blind screening) job list no files.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any

from pipelines.actions.downloads import safe_file_name
from pipelines.actions.errors import ActionInputError, InputProblem, Problems
from pipelines.actions.files import MEDIA_TYPES, extension_of
from pipelines.actions.records import APPLICATION_SHAPE, read_application
from pipelines.actions.session import ActionSession
from pipelines.actions.validation import record_reference
from pipelines.pinpoint.errors import PinpointNotFoundError
from pipelines.pinpoint.jsonapi import NOT_INCLUDED, Resource
from pipelines.pinpoint.mappers.common import attribute, text

__all__ = [
    "MAX_DOWNLOAD_BYTES",
    "get_application_attachments",
    "get_candidate_attachments",
]

logger = logging.getLogger(__name__)

# NOTE: Pinpoint documents 30 MB for CVs and 10 MB for other uploads. Files attached in
# its interface may be larger, so downloads allow up to 200 MB, a guessed ceiling.
MAX_DOWNLOAD_BYTES = 200 * 1024 * 1024
_TYPES = {"cv": "CV", "pdf_cv": "CV", "cover_letter": "COVER_LETTER"}


def get_application_attachments(
    session: ActionSession, application_id: str, download_to: Path | None = None
) -> list[dict[str, Any]]:
    """Return the files of one application; with `download_to`, also save them there.

    `application_id` is a unified id or `remote:<id>`. Saved files get a `path`.
    """
    remote_id = _resolve(session, "applications", application_id, "application_id")
    params = {**APPLICATION_SHAPE, "extra_fields[applications]": "attachments"}
    _, application = read_application(session, remote_id, "application_id", params)
    candidate_id = text(attribute(application, "candidate_id"))
    items = _items(session, application, "applications", candidate_id)
    return _download_all(session, items, download_to)


def get_candidate_attachments(
    session: ActionSession, candidate_id: str, download_to: Path | None = None
) -> list[dict[str, Any]]:
    """Return the files of a candidate and of all its applications.

    Items of the candidate itself have `application_id` null.
    """
    remote_id = _resolve(session, "candidates", candidate_id, "candidate_id")
    params = {
        "include": "applications",
        "extra_fields[candidates]": "attachments",
        "extra_fields[applications]": "attachments",
    }
    try:
        document = session.client.get(f"/candidates/{remote_id}", params)
    except PinpointNotFoundError:
        raise ActionInputError(
            [InputProblem("candidate_id", f"candidate {remote_id} does not exist in Pinpoint")]
        ) from None
    candidate = document.data[0]
    items = _items(session, candidate, "candidates", remote_id)
    applications = document.related(candidate, "applications")
    if applications is not NOT_INCLUDED:
        for application in sorted(applications or [], key=_id_order):
            items.extend(_items(session, application, "applications", remote_id))
    return _download_all(session, items, download_to)


def _id_order(resource: Resource) -> tuple[int, str]:
    identifier = str(resource["id"])
    return (len(identifier), identifier)


def _resolve(session: ActionSession, table: str, reference: str, field: str) -> str:
    problems = Problems()
    checked = record_reference(reference, field, problems)
    problems.raise_if_any()
    assert checked is not None
    return session.resolver.resolve(table, checked, field)


def _items(
    session: ActionSession, owner: Resource, owner_type: str, candidate_id: str | None
) -> list[dict[str, Any]]:
    listed = attribute(owner, "attachments")
    if not isinstance(listed, list):
        return []
    context = session.context
    owner_id = str(owner["id"])
    items = []
    for position, entry in enumerate(listed):
        if not isinstance(entry, dict) or not text(entry.get("url")):
            continue
        kind = text(entry.get("context")) or ""
        name = text(entry.get("name")) or text(entry.get("filename")) or f"file-{position + 1}"
        remote_id = f"{owner_type}:{owner_id}:{position}:{kind}"
        items.append(
            {
                "id": context.id("attachments", remote_id),
                "remote_id": remote_id,
                "type": _TYPES.get(kind, "OTHER"),
                "file_name": name,
                "content_type": _content_type(name),
                "data_url": entry["url"],
                "application_id": (
                    context.id("applications", owner_id) if owner_type == "applications" else None
                ),
                "candidate_id": context.id("candidates", candidate_id),
            }
        )
    return items


def _content_type(name: str) -> str | None:
    types = MEDIA_TYPES.get(extension_of(name))
    if types:
        return sorted(types)[0]
    return mimetypes.guess_type(name)[0]


def _download_all(
    session: ActionSession, items: list[dict[str, Any]], folder: Path | None
) -> list[dict[str, Any]]:
    if folder is None:
        return items
    for item in items:
        owner, owner_id, position, _ = item["remote_id"].split(":", 3)
        stem = f"{owner[:-1]}-{owner_id}-{int(position) + 1}"
        path = folder / f"{stem}-{safe_file_name(item['file_name'])}"
        size = session.downloader.save(item["data_url"], path, MAX_DOWNLOAD_BYTES)
        item["path"] = str(path)
        item["size_bytes"] = size
    logger.info("Downloaded %d attachment(s) into %s", len(items), folder)
    return items
