"""JSON:API error documents in the shape Pinpoint sends.

Pinpoint's error body is ``{"errors": [{"status", "code", "title", "detail"}]}`` with the
HTTP status as a string and a snake_case code, for example::

    {"errors": [{"status": "401", "code": "unauthorized", "title": "Unauthorized",
                 "detail": "X-API-KEY header not provided"}]}
"""

from __future__ import annotations

from typing import Any

ERROR_KINDS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "Bad Request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not_found", "Not Found"),
    405: ("method_not_allowed", "Method Not Allowed"),
    422: ("unprocessable_entity", "Validation Error"),
    429: ("too_many_requests", "Too Many Requests"),
    500: ("internal_server_error", "Internal Server Error"),
    502: ("bad_gateway", "Bad Gateway"),
    503: ("service_unavailable", "Service Unavailable"),
}

INTERNAL_ERROR_DETAIL = "We've notified our engineers and hope to address this issue shortly."


class ApiError(Exception):
    """An error that the app turns into a JSON:API error response."""

    def __init__(
        self,
        status: int,
        detail: str,
        parameter: str | None = None,
        pointer: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        """The query parameter at fault, rendered as ``source.parameter``."""
        self.pointer = pointer
        """The JSON pointer of the body member at fault, rendered as ``source.pointer``."""

    def to_document(self) -> dict[str, Any]:
        return error_document(self.status, self.detail, self.parameter, self.pointer)


def bad_request(detail: str, parameter: str | None = None, pointer: str | None = None) -> ApiError:
    return ApiError(400, detail, parameter, pointer)


def unprocessable(detail: str, pointer: str) -> ApiError:
    """Build a 422 validation error; ``pointer`` names the member, such as
    ``/data/attributes/email``.

    Pinpoint documents 422 with ``"{attribute} can't be blank"``; the ``source.pointer``
    member is inferred from JSON:API and Graphiti.
    """
    return ApiError(422, detail, pointer=pointer)


def error_document(
    status: int, detail: str, parameter: str | None = None, pointer: str | None = None
) -> dict[str, Any]:
    """Build ``{"errors": [...]}`` for one error. Unknown statuses get a generic title."""
    code, title = ERROR_KINDS.get(status, ("error", "Error"))
    error: dict[str, Any] = {
        "status": str(status),
        "code": code,
        "title": title,
        "detail": detail,
    }
    if pointer is not None:
        error["source"] = {"pointer": pointer}
    elif parameter is not None:
        error["source"] = {"parameter": parameter}
    return {"errors": [error]}
