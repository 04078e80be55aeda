"""The sandbox's HTTP API: a Starlette app serving Pinpoint-style JSON:API under /api/v1.

Read-only endpoints: ``GET /users``, ``/jobs``, ``/candidates``, ``/applications`` and
``/interviews`` (list and by id) and ``GET /questions`` (list only). Requests authenticate
with the ``X-API-KEY`` header. Responses use ``application/vnd.api+json`` whatever the
request's ``Accept`` header, and every response, errors included, carries a ``Date``
header from the sandbox clock.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.errors import INTERNAL_ERROR_DETAIL, ApiError, error_document
from pipelines.sandbox.listing import ListingCaches, is_visible, select_records
from pipelines.sandbox.query import parse_query
from pipelines.sandbox.records import dump_json
from pipelines.sandbox.render import render_collection, render_single
from pipelines.sandbox.schema import ENDPOINTS, Endpoint
from pipelines.sandbox.store import SandboxStore

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
JSONAPI_MEDIA_TYPE = "application/vnd.api+json"

Handler = Callable[[Request], Awaitable[Response]]


def create_app(store: SandboxStore, api_key: str) -> ASGIApp:
    """Build the ASGI app that serves ``store`` to clients that send ``api_key``."""
    if not api_key:
        raise ValueError("the sandbox API key must not be empty")
    api = _SandboxApi(store, api_key)
    routes = []
    for endpoint in ENDPOINTS.values():
        routes.append(
            Route(f"{API_PREFIX}/{endpoint.path}", api.list_endpoint(endpoint), methods=["GET"])
        )
        if endpoint.has_show:
            routes.append(
                Route(
                    f"{API_PREFIX}/{endpoint.path}/{{record_id}}",
                    api.show_endpoint(endpoint),
                    methods=["GET"],
                )
            )
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error_response,
            HTTPException: _http_error_response,
            Exception: _internal_error_response,
        },
    )
    return ClockDateHeader(app, store.clock)


class _SandboxApi:
    def __init__(self, store: SandboxStore, api_key: str) -> None:
        self._store = store
        self._api_key = api_key.encode("utf-8")
        self._caches = ListingCaches()

    def list_endpoint(self, endpoint: Endpoint) -> Handler:
        async def list_records(request: Request) -> Response:
            self._authenticate(request)
            query = parse_query(dict(request.query_params), endpoint)
            store = self._store
            with store.lock:
                matching = select_records(store, endpoint, query, self._caches)
                start = (query.page_number - 1) * query.page_size
                page = matching[start : start + query.page_size]
                total = len(matching) if query.count_total else None
                document = render_collection(store, page, query, total)
            logger.debug(
                "GET /%s page %d: %d of %d records",
                endpoint.path,
                query.page_number,
                len(page),
                len(matching),
            )
            return _json_response(document)

        return list_records

    def show_endpoint(self, endpoint: Endpoint) -> Handler:
        async def show_record(request: Request) -> Response:
            self._authenticate(request)
            query = parse_query(dict(request.query_params), endpoint)
            record_id = request.path_params["record_id"]
            store = self._store
            with store.lock:
                record = store.get(endpoint.resource_type, record_id)
                # NOTE: Pinpoint does not document whether GET /applications/{id} hides
                # confidential jobs' applications, so the sandbox applies the list rule.
                if record is None or not is_visible(store, endpoint, record, query):
                    raise ApiError(404, "Record not found")
                document = render_single(store, record, query)
            return _json_response(document)

        return show_record

    def _authenticate(self, request: Request) -> None:
        provided = request.headers.get("x-api-key")
        if not provided:
            raise ApiError(401, "X-API-KEY header not provided")
        if not hmac.compare_digest(provided.encode("utf-8"), self._api_key):
            raise ApiError(401, "Invalid API key")


class ClockDateHeader:
    """ASGI middleware that sets every response's ``Date`` header from the sandbox clock.

    It wraps the whole Starlette app, so 500 responses get the header too. Run uvicorn with
    ``date_header=False`` so the server does not add a second, real-time ``Date``.
    """

    def __init__(self, app: ASGIApp, clock: SandboxClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_date(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"date"
                ]
                headers.append((b"date", self.clock.http_date().encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_date)


def _json_response(document: object, status_code: int = 200) -> Response:
    return Response(dump_json(document), status_code=status_code, media_type=JSONAPI_MEDIA_TYPE)


async def _api_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    # Client errors are expected in tests, so they are logged at DEBUG. The detail may
    # quote a query parameter but never a header, so it cannot contain the API key.
    level = logging.ERROR if exc.status >= 500 else logging.DEBUG
    logger.log(level, "%s %s -> %d: %s", request.method, request.url.path, exc.status, exc.detail)
    return _json_response(exc.to_document(), exc.status)


async def _http_error_response(request: Request, exc: Exception) -> Response:
    """Render Starlette's routing errors (unknown path, wrong method) as JSON:API errors."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        detail = f"No endpoint matches {request.method} {request.url.path}."
    elif exc.status_code == 405:
        detail = f"The sandbox does not support {request.method} on {request.url.path}."
    else:
        detail = str(exc.detail)
    response = _json_response(error_document(exc.status_code, detail), exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _internal_error_response(request: Request, exc: Exception) -> Response:
    # Starlette re-raises the exception after this response is sent, and uvicorn logs it
    # with the traceback, so it is not logged here a second time.
    return _json_response(error_document(500, INTERNAL_ERROR_DETAIL), 500)
