"""Call any endpoint of the account's API with its key, retries and rate limiting.

Only paths under the account's API root (`https://<subdomain>.pinpointhq.com/api/v1`)
are allowed. A path is taken relative to that root (`/applications/12`, or with the root
path repeated, `/api/v1/applications/12`) and must consist of plain segments of letters,
digits, `_` and `-`, optionally with one dot extension (`/jobs.json`). Absolute and
scheme-relative URLs, schemes such as `javascript:`, backslashes, `.` and `..` segments,
percent-encoding, queries and fragments are rejected, so a path can never leave the
root. Query parameters go in `params`.

GET, PUT and DELETE are retried after 429, 5xx and timeouts like every read. POST and
PATCH are sent once, because a retried create can make a record twice.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import urlsplit

from pipelines.actions.errors import ActionInputError, InputProblem
from pipelines.actions.session import ActionSession

__all__ = ["METHODS", "PassthroughResponse", "api_path", "passthrough"]

logger = logging.getLogger(__name__)

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
_SENT_ONCE = frozenset({"POST", "PATCH"})
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9]+)?$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PARAMETER_NAME = re.compile(r"^[A-Za-z0-9_\[\]\.-]{1,100}$")


@dataclass(frozen=True)
class PassthroughResponse:
    """A successful response: status, the content type and date headers, and the body.

    `body` is the parsed JSON, or the text when the response is not JSON.
    """

    status_code: int
    headers: dict[str, str]
    body: Any

    def as_json(self) -> dict[str, Any]:
        return {"status_code": self.status_code, "headers": self.headers, "body": self.body}


def api_path(path: str, base_url: str) -> str:
    """Return `path` relative to the API root, e.g. `/applications/12`.

    Raises `ActionInputError` (field `path`) for anything that could leave the root.
    """
    raw = path.strip() if isinstance(path, str) else ""
    if not raw:
        _reject("is empty; pass an endpoint path such as /applications")
    if "://" in raw or raw.startswith("//") or _SCHEME.match(raw):
        _reject(
            "is a URL or has a scheme; pass a path under the account's API root, such as "
            "/applications/12"
        )
    if "\\" in raw:
        _reject("contains a backslash; use / between segments")
    if "%" in raw:
        _reject("contains percent-encoding; pass the plain path, such as /applications/12")
    if "?" in raw or "#" in raw:
        _reject("contains a query or fragment; pass query parameters separately (--param k=v)")
    if any(character.isspace() or ord(character) < 32 for character in raw):
        _reject("contains spaces or control characters")

    root = urlsplit(base_url).path.rstrip("/")
    if root and (raw == root or raw.startswith(root + "/")):
        raw = raw[len(root) :]
    segments = raw.strip("/").split("/")
    if segments == [""]:
        _reject("names no endpoint; pass a path such as /applications")
    for segment in segments:
        if segment in ("", ".", ".."):
            _reject("contains an empty, . or .. segment; pass a plain path such as /jobs/88")
        if not _SEGMENT.match(segment):
            _reject(
                f"segment {segment!r} is invalid; segments are letters, digits, _ and -, with "
                "at most one dot extension"
            )
    relative = "/" + "/".join(segments)
    _check_stays_in_root(relative, base_url)
    return relative


def passthrough(
    session: ActionSession,
    method: str,
    path: str,
    *,
    params: Mapping[str, str] | None = None,
    json: Any = None,
) -> PassthroughResponse:
    """Send `method` to `path` under the account's API root and return the response.

    Raises `ActionInputError` for a rejected method, path or parameter, and the client's
    typed errors for HTTP errors (401, 403, 404, 422, ...).
    """
    verb = method.strip().upper() if isinstance(method, str) else ""
    if verb not in METHODS:
        raise ActionInputError(
            [
                InputProblem(
                    "method", f"{method!r} is not supported; use one of {', '.join(METHODS)}"
                )
            ]
        )
    relative = api_path(path, session.settings.base_url)
    checked = _parameters(params or {})
    client = session.write_client if verb in _SENT_ONCE else session.client
    response = client.request(verb, relative, params=checked or None, json=json)
    logger.info("Passthrough %s %s returned HTTP %d", verb, relative, response.status_code)
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    headers = {
        name: response.headers[name]
        for name in ("content-type", "date")
        if name in response.headers
    }
    return PassthroughResponse(response.status_code, headers, body)


def _parameters(params: Mapping[str, str]) -> dict[str, str]:
    checked = {}
    for name, value in params.items():
        if not isinstance(name, str) or not _PARAMETER_NAME.match(name):
            raise ActionInputError(
                [
                    InputProblem(
                        "params",
                        f"parameter name {name!r} is invalid; use names such as "
                        "filter[updated_at][gt] or page[size]",
                    )
                ]
            )
        checked[name] = str(value)
    return checked


def _check_stays_in_root(relative: str, base_url: str) -> None:
    base = urlsplit(base_url)
    full = urlsplit(base_url.rstrip("/") + relative)
    inside = (
        full.scheme == base.scheme
        and full.netloc == base.netloc
        and full.path.startswith(base.path.rstrip("/") + "/")
    )
    if not inside:
        _reject("resolves outside the account's API root")


def _reject(message: str) -> NoReturn:
    raise ActionInputError([InputProblem("path", message)])
