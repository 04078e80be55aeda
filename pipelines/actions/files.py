"""Attachments of create actions: reading, checking and encoding them for Pinpoint.

Pinpoint takes files as base64 data URIs in write-only attributes of
`POST /applications`: one CV (`cv_base64_data`, `cv_base64_filename`), one cover letter
(`cover_letter_base64_*`) and any number of other documents (`documents_base64`, a list
of `{data, filename}`). The file types and sizes accepted here are Pinpoint's limits:

    CV, cover letter   pdf, doc, docx, txt, rtf                                   30 MB
    other documents    pdf, doc, docx, png, jpeg, xls, xlsx, pptx, mp4, mov, txt  10 MB each

An attachment carries exactly one of `data` (base64) and `data_url` (fetched before
anything is sent to Pinpoint, see `downloads.py`).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from pipelines.actions.errors import Problems
from pipelines.actions.validation import check_keys, is_http_url, read_list, read_object

__all__ = [
    "ATTACHMENT_TYPES",
    "AttachmentInput",
    "FileRule",
    "attachment_attributes",
    "parse_attachments",
    "rule_for",
]

ATTACHMENT_TYPES = ("CV", "COVER_LETTER", "OTHER")
_MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class FileRule:
    """File extensions and the largest size Pinpoint accepts for one kind of attachment."""

    extensions: frozenset[str]
    max_bytes: int

    @property
    def max_megabytes(self) -> int:
        return self.max_bytes // _MEBIBYTE


CV_RULE = FileRule(frozenset({"pdf", "doc", "docx", "txt", "rtf"}), 30 * _MEBIBYTE)
OTHER_RULE = FileRule(
    frozenset(
        {"pdf", "doc", "docx", "png", "jpeg", "jpg", "xls", "xlsx", "pptx", "mp4", "mov", "txt"}
    ),
    10 * _MEBIBYTE,
)
MEDIA_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    "txt": frozenset({"text/plain"}),
    "rtf": frozenset({"application/rtf", "text/rtf"}),
    "png": frozenset({"image/png"}),
    "jpeg": frozenset({"image/jpeg"}),
    "jpg": frozenset({"image/jpeg"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    "pptx": frozenset(
        {"application/vnd.openxmlformats-officedocument.presentationml.presentation"}
    ),
    "mp4": frozenset({"video/mp4"}),
    "mov": frozenset({"video/quicktime"}),
}
_ATTACHMENT_FIELDS = ("name", "type", "content_type", "data", "data_url")
_MEDIA_TYPE = re.compile(r"^[\w.+-]+/[\w.+-]+$")
_DATA_URI_PREFIX = re.compile(r"^data:[^,;]*(;[^,;]+)*;base64,", re.IGNORECASE)


def rule_for(attachment_type: str) -> FileRule:
    return OTHER_RULE if attachment_type == "OTHER" else CV_RULE


@dataclass
class AttachmentInput:
    """One checked attachment. `data` is filled from `data_url` before the upload."""

    field: str
    name: str
    type: str
    content_type: str | None
    data: bytes | None = None
    data_url: str | None = None

    @property
    def extension(self) -> str:
        return extension_of(self.name)

    @property
    def rule(self) -> FileRule:
        return rule_for(self.type)

    def data_uri(self) -> str:
        assert self.data is not None and self.content_type is not None
        encoded = base64.b64encode(self.data).decode("ascii")
        return f"data:{self.content_type};base64,{encoded}"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def parse_attachments(value: Any, problems: Problems) -> list[AttachmentInput]:
    """Check `attachments[]` of a create input; problems name `attachments[i].<field>`."""
    attachments = []
    counts = dict.fromkeys(ATTACHMENT_TYPES, 0)
    for index, item in enumerate(read_list(value, "attachments", problems)):
        field = f"attachments[{index}]"
        data = read_object(item, field, problems)
        if data is None:
            if item is None:
                problems.add(field, "must be an object with name, type and data or data_url")
            continue
        check_keys(data, _ATTACHMENT_FIELDS, field, problems)
        attachment = _parse_one(data, field, problems)
        if attachment is None:
            continue
        counts[attachment.type] += 1
        if attachment.type != "OTHER" and counts[attachment.type] > 1:
            label = "CV" if attachment.type == "CV" else "cover letter"
            problems.add(
                f"{field}.type",
                f"Pinpoint takes one {label} per application; send further files as OTHER",
            )
            continue
        attachments.append(attachment)
    return attachments


def check_downloaded(attachment: AttachmentInput, problems: Problems) -> None:
    """Check the size and media type of a file fetched from `data_url`."""
    assert attachment.data is not None
    _check_size(attachment, len(attachment.data), f"{attachment.field}.data_url", problems)
    if not attachment.data:
        problems.add(f"{attachment.field}.data_url", "returned an empty file")
    if attachment.content_type is None or attachment.content_type == "application/octet-stream":
        # The download named no usable type, so the extension decides.
        attachment.content_type = sorted(MEDIA_TYPES[attachment.extension])[0]
    _check_media_type(attachment, f"{attachment.field}.data_url", problems)


def attachment_attributes(attachments: list[AttachmentInput]) -> dict[str, Any]:
    """Return the `POST /applications` attributes that upload `attachments`."""
    attributes: dict[str, Any] = {}
    documents = []
    for attachment in attachments:
        if attachment.type == "CV":
            attributes["cv_base64_data"] = attachment.data_uri()
            attributes["cv_base64_filename"] = attachment.name
        elif attachment.type == "COVER_LETTER":
            attributes["cover_letter_base64_data"] = attachment.data_uri()
            attributes["cover_letter_base64_filename"] = attachment.name
        else:
            documents.append({"data": attachment.data_uri(), "filename": attachment.name})
    if documents:
        attributes["documents_base64"] = documents
    return attributes


def _parse_one(data: dict[str, Any], field: str, problems: Problems) -> AttachmentInput | None:
    kind = data.get("type")
    if kind not in ATTACHMENT_TYPES:
        problems.add(f"{field}.type", f"must be one of {', '.join(ATTACHMENT_TYPES)}")
        return None
    name = _file_name(data.get("name"), f"{field}.name", rule_for(kind), problems)

    has_data = data.get("data") not in (None, "")
    has_url = data.get("data_url") not in (None, "")
    if has_data == has_url:
        problems.add(
            field,
            "needs exactly one of data (base64) and data_url; it has "
            f"{'both' if has_data else 'neither'}",
        )
        return None
    content_type = _content_type(data.get("content_type"), f"{field}.content_type", problems)
    if name is None:
        return None

    attachment = AttachmentInput(field, name, kind, content_type)
    if has_url:
        url = data["data_url"]
        if not isinstance(url, str) or not is_http_url(url.strip()):
            problems.add(f"{field}.data_url", "must be an http or https URL")
            return None
        attachment.data_url = url.strip()
        return attachment

    if content_type is None:
        problems.add(
            f"{field}.content_type",
            f"is required with data; for a .{attachment.extension} file use "
            f"{' or '.join(sorted(MEDIA_TYPES[attachment.extension]))}",
        )
        return None
    attachment.data = _decode(data["data"], f"{field}.data", attachment, problems)
    if attachment.data is None:
        return None
    _check_media_type(attachment, f"{field}.content_type", problems)
    return attachment


def _file_name(value: Any, field: str, rule: FileRule, problems: Problems) -> str | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(field, "is required: the file name with its extension, e.g. cv.pdf")
        return None
    name = value.strip()
    if len(name) > 255 or any(ord(c) < 32 for c in name) or "/" in name or "\\" in name:
        problems.add(field, "must be a plain file name of at most 255 characters, without paths")
        return None
    extension = extension_of(name)
    if extension not in rule.extensions:
        allowed = ", ".join(sorted(rule.extensions))
        problems.add(
            field,
            f"has the extension .{extension or '(none)'}, which Pinpoint does not accept for "
            f"this attachment type; use one of {allowed}",
        )
        return None
    return name


def _content_type(value: Any, field: str, problems: Problems) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not _MEDIA_TYPE.match(value.strip()):
        problems.add(field, "must be a media type such as application/pdf")
        return None
    return value.strip().lower()


def _decode(
    value: Any, field: str, attachment: AttachmentInput, problems: Problems
) -> bytes | None:
    if not isinstance(value, str):
        problems.add(field, "must be a base64 string")
        return None
    text = _DATA_URI_PREFIX.sub("", value.strip(), count=1)
    text = "".join(text.split())
    padding = len(text) - len(text.rstrip("="))
    estimated = len(text) * 3 // 4 - padding
    if not _check_size(attachment, estimated, field, problems):
        return None
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        problems.add(field, "is not valid base64 (standard alphabet, with = padding)")
        return None
    if not content:
        problems.add(field, "decodes to an empty file")
        return None
    return content


def _check_size(attachment: AttachmentInput, size: int, field: str, problems: Problems) -> bool:
    rule = attachment.rule
    if size > rule.max_bytes:
        problems.add(
            field,
            f"is about {size / _MEBIBYTE:.1f} MB; Pinpoint accepts at most "
            f"{rule.max_megabytes} MB for attachments of type {attachment.type}",
        )
        return False
    return True


def _check_media_type(attachment: AttachmentInput, field: str, problems: Problems) -> None:
    expected = MEDIA_TYPES[attachment.extension]
    if attachment.content_type not in expected:
        problems.add(
            field,
            f"{attachment.content_type} does not match a .{attachment.extension} file; "
            f"use {' or '.join(sorted(expected))}",
        )
