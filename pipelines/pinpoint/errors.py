"""Exceptions raised when talking to Pinpoint.

Failures are sorted into two groups. Retriable ones (429, 5xx, timeouts, dropped
connections) are retried by the client and only surface as `PinpointUnavailableError`
once the retry budget is spent. Fatal ones (400, 401, 403, 404, 422, and bodies that are
not a JSON:API document) are raised at once, because repeating the request cannot fix
them.

No message built here contains the API key: the key travels in a header, and URLs pass
through `sanitize_url` before they reach a message.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = [
    "PinpointAuthenticationError",
    "PinpointBadRequestError",
    "PinpointConfigurationError",
    "PinpointError",
    "PinpointHTTPError",
    "PinpointNotFoundError",
    "PinpointPermissionError",
    "PinpointResponseError",
    "PinpointUnavailableError",
    "PinpointValidationError",
    "sanitize_url",
]

_SECRET_PARAMETER_HINTS = ("key", "token", "secret", "password", "signature")
_MAX_DETAIL_CHARS = 300


def sanitize_url(url: str) -> str:
    """Return `url` without user info and with secret-looking query values masked."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc = f"{netloc}:{parts.port}"
    query = [
        (name, "***" if any(hint in name.lower() for hint in _SECRET_PARAMETER_HINTS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="[],:+"), ""))


class PinpointError(Exception):
    """Base class of every error this package raises about Pinpoint."""


class PinpointConfigurationError(PinpointError):
    """A setting is missing or invalid; the message names the setting and the fix."""


class PinpointHTTPError(PinpointError):
    """Pinpoint answered with an error status that retrying cannot fix."""

    hint = ""

    def __init__(
        self,
        status_code: int,
        method: str,
        url: str,
        detail: str,
        *,
        pointer: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = sanitize_url(url)
        self.detail = _truncate(detail)
        self.pointer = pointer
        message = f"Pinpoint returned HTTP {status_code} for {method} {self.url}: {self.detail}"
        if pointer:
            message += f" (at {pointer})"
        if self.hint:
            message += f". {self.hint}"
        super().__init__(message)


class PinpointBadRequestError(PinpointHTTPError):
    """HTTP 400: Pinpoint rejected a query parameter or the request body."""


class PinpointAuthenticationError(PinpointHTTPError):
    """HTTP 401: the API key is missing or invalid."""

    hint = (
        "Check the API key in .dlt/secrets.toml ([sources.pinpoint] api_key) or "
        "SOURCES__PINPOINT__API_KEY, or try `pinpoint demo` against the local sandbox"
    )


class PinpointPermissionError(PinpointHTTPError):
    """HTTP 403: the key lacks a permission, or the API is switched off for the account."""

    hint = (
        "Grant the key read access to this data area in Pinpoint under "
        "Settings > API & Webhooks > API Keys"
    )


class PinpointNotFoundError(PinpointHTTPError):
    """HTTP 404: the record or path does not exist (or was deleted)."""


class PinpointValidationError(PinpointHTTPError):
    """HTTP 422: Pinpoint rejected the values of a write; `pointer` names the attribute."""


class PinpointUnavailableError(PinpointError):
    """Retriable failures (429, 5xx, timeouts) persisted past the retry budget."""


class PinpointResponseError(PinpointError):
    """A response body was not the JSON:API document the endpoint promises."""


_STATUS_CLASSES: dict[int, type[PinpointHTTPError]] = {
    400: PinpointBadRequestError,
    401: PinpointAuthenticationError,
    403: PinpointPermissionError,
    404: PinpointNotFoundError,
    422: PinpointValidationError,
}


def http_error_for(status_code: int, method: str, url: str, body: Any) -> PinpointHTTPError:
    """Build the typed error for a fatal status from Pinpoint's `{"errors": [...]}` body."""
    detail, pointer = _describe_error_body(body)
    error_class = _STATUS_CLASSES.get(status_code, PinpointHTTPError)
    return error_class(status_code, method, url, detail, pointer=pointer)


def _describe_error_body(body: Any) -> tuple[str, str | None]:
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        details = []
        pointer = None
        for error in body["errors"]:
            if not isinstance(error, dict):
                continue
            text = error.get("detail") or error.get("title") or error.get("code")
            if text:
                details.append(str(text))
            source = error.get("source")
            if pointer is None and isinstance(source, dict):
                pointer = source.get("pointer") or source.get("parameter")
        if details:
            return "; ".join(details), pointer
    if isinstance(body, str) and body.strip():
        return body.strip(), None
    return "no error detail in the response body", None


def _truncate(text: str) -> str:
    if len(text) <= _MAX_DETAIL_CHARS:
        return text
    return text[: _MAX_DETAIL_CHARS - 3] + "..."
