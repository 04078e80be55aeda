"""Documents: base64 data URIs in, signed download links out.

Writes carry files as data URIs (``data:application/pdf;base64,JVBERi0...``), which the
sandbox decodes and keeps in memory. ``extra_fields[...]=attachments`` lists each file
with a URL on the sandbox itself, ``/_sandbox/files/{file_id}/{name}``. The URL is
signed with an HMAC and valid for ``LINK_LIFETIME_SECONDS`` of sandbox time, like a
pre-signed storage link, so a download needs no API key. Pinpoint does not document
whether its links expire or need the key, so this is inferred. Generated records list
placeholder files whose bytes are made when downloaded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.errors import unprocessable
from pipelines.sandbox.records import Attachment, Record, Ref

LINK_LIFETIME_SECONDS = 3600
FILES_ROUTE = "/_sandbox/files"

CV_EXTENSIONS = frozenset({"pdf", "doc", "docx", "txt", "rtf"})
DOCUMENT_EXTENSIONS = frozenset(
    {"pdf", "doc", "docx", "png", "jpeg", "jpg", "xls", "xlsx", "pptx", "mp4", "mov", "txt"}
)
CV_MAX_BYTES = 30 * 1024 * 1024
DOCUMENT_MAX_BYTES = 10 * 1024 * 1024

_DATA_URI = re.compile(r"^data:([\w.+-]+/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,(.*)$", re.DOTALL)
_GENERATED_ID = re.compile(r"^([a-z_]+)-(\d+)-(\d+)$")


@dataclass(frozen=True)
class Upload:
    """A decoded file from a write request."""

    filename: str
    content_type: str
    data: bytes


def decode_upload(
    data_uri: object,
    filename: object,
    pointer: str,
    extensions: frozenset[str],
    max_bytes: int,
) -> Upload:
    """Decode a data URI and check its file name, type and size; 422 on any problem.

    ``pointer`` is the JSON pointer of the data member, such as
    ``/data/attributes/cv_base64_data``; errors about the name point at its sibling.
    """
    name_pointer = pointer.replace("_data", "_filename") if pointer.endswith("_data") else pointer
    if not isinstance(filename, str) or not filename.strip():
        raise unprocessable("File name can't be blank", name_pointer)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in extensions:
        allowed = ", ".join(sorted(extensions))
        raise unprocessable(
            f"File type .{extension or '(none)'} is not allowed; allowed types: {allowed}",
            name_pointer,
        )
    if not isinstance(data_uri, str):
        raise unprocessable("File data can't be blank", pointer)
    match = _DATA_URI.match(data_uri.strip())
    if match is None:
        raise unprocessable(
            "File data must be a data URI such as data:application/pdf;base64,JVBERi0...",
            pointer,
        )
    try:
        content = base64.b64decode(match.group(3), validate=True)
    except (binascii.Error, ValueError):
        raise unprocessable("File data is not valid base64", pointer) from None
    if len(content) > max_bytes:
        raise unprocessable(f"File is larger than {max_bytes // (1024 * 1024)} MB", pointer)
    return Upload(filename.strip(), match.group(1) or "application/octet-stream", content)


class FileLinks:
    """Signs and checks download links of attachments."""

    def __init__(self, clock: SandboxClock, secret: bytes | None = None) -> None:
        self._clock = clock
        self._secret = secret or secrets.token_bytes(32)

    def url(self, origin: str, attachment: Attachment) -> str:
        """Return a link valid for ``LINK_LIFETIME_SECONDS`` from the sandbox clock's now."""
        expires = int(self._clock.now().timestamp()) + LINK_LIFETIME_SECONDS
        signature = self._sign(attachment.file_id, expires)
        name = quote(attachment.name, safe="")
        query = f"expires={expires}&signature={signature}"
        return f"{origin}{FILES_ROUTE}/{attachment.file_id}/{name}?{query}"

    def check(self, file_id: str, expires: str, signature: str) -> str | None:
        """Return None for a valid, unexpired link, else the reason it is refused."""
        if not expires.isdigit():
            return "The link is missing its expiry"
        if not hmac.compare_digest(self._sign(file_id, int(expires)), signature):
            return "The link signature is invalid"
        if int(expires) < self._clock.now().timestamp():
            return "The link has expired; read the record again for a fresh link"
        return None

    def _sign(self, file_id: str, expires: int) -> str:
        message = f"{file_id}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


class GeneratedAttachment(NamedTuple):
    """A placeholder document of a generated record, shared by every record that has one.

    The file id and name are derived from the owner when rendered, so a large account
    stores one small tuple per kind of document instead of strings per record.
    """

    number: int
    context: str
    suffix: str


GENERATED_CV = GeneratedAttachment(0, "pdf_cv", "_cv.pdf")
GENERATED_COVER_LETTER = GeneratedAttachment(1, "cover_letter", "_cover_letter.pdf")


def attachments_of(record: Record) -> list[Attachment]:
    """Return a record's attachments with file ids and names, resolving placeholders."""
    items = record.extra_attributes.get("attachments", ())
    resolved = []
    for item in items:
        if isinstance(item, GeneratedAttachment):
            full_name = record.attributes.get("full_name") or "document"
            stem = full_name.lower().replace(" ", "_")
            file_id = generated_file_id(record.ref, item.number)
            resolved.append(Attachment(file_id, item.context, f"{stem}{item.suffix}"))
        else:
            resolved.append(item)
    return resolved


def generated_file_id(owner: Ref, number: int) -> str:
    return f"{owner[0]}-{owner[1]}-{number}"


def generated_owner(file_id: str) -> Ref | None:
    """Return the record a generated file id belongs to, or None for other ids."""
    match = _GENERATED_ID.match(file_id)
    return (match.group(1), match.group(2)) if match else None


def placeholder_content(attachment: Attachment, owner: Ref) -> tuple[str, bytes]:
    """Return the media type and bytes of a generated file: a minimal one-page PDF."""
    text = f"{attachment.context} of {owner[0]} {owner[1]}: {attachment.name}"
    text = text.replace("(", "[").replace(")", "]")
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    table = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{table}\n%%EOF\n".encode()
    )
    return "application/pdf", body
