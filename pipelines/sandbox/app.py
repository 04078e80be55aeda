"""The sandbox's HTTP API: a Starlette app serving Pinpoint-style JSON:API under /api/v1.

Every endpoint of ``endpoints.ENDPOINTS`` is served with the methods it lists. Requests
authenticate with the ``X-API-KEY`` header and need the key's permission for the
endpoint's area (see ``permissions.py``). Responses use ``application/vnd.api+json``
whatever the request's ``Accept`` header, and every response, errors included, carries a
``Date`` header from the sandbox clock.

Besides the API, the app serves attachment downloads under ``/_sandbox/files`` (signed
links, no key) and a few controls under ``/_sandbox`` for the command line sandbox:
``POST /_sandbox/simulate?hours=H``, ``POST /_sandbox/advance?seconds=S`` and
``GET /_sandbox/stats``, which need any valid key.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp

from pipelines.sandbox.endpoints import ENDPOINTS, TYPE_AREAS, Endpoint
from pipelines.sandbox.errors import INTERNAL_ERROR_DETAIL, ApiError, error_document
from pipelines.sandbox.faults import FaultController
from pipelines.sandbox.files import (
    FILES_ROUTE,
    FileLinks,
    attachments_of,
    generated_owner,
    placeholder_content,
)
from pipelines.sandbox.listing import ListingCaches, matches_filters, select_page
from pipelines.sandbox.middleware import (
    API_PREFIX,
    JSONAPI_MEDIA_TYPE,
    ClockDateHeader,
    RequestControls,
    RequestHook,
    RequestStats,
)
from pipelines.sandbox.permissions import ApiKey, KeyRing, Permission
from pipelines.sandbox.query import Query, parse_query
from pipelines.sandbox.records import Attachment, dump_json
from pipelines.sandbox.render import RenderContext, render_collection, render_single
from pipelines.sandbox.store import SandboxStore
from pipelines.sandbox.writes import handle_write

logger = logging.getLogger(__name__)

Handler = Callable[[Request], Awaitable[Response]]


@dataclass
class AppServices:
    """The controls a running sandbox shares with its app."""

    faults: FaultController = field(default_factory=FaultController)
    stats: RequestStats = field(default_factory=RequestStats)
    hooks: list[RequestHook] = field(default_factory=list)
    simulate: Callable[[float], dict[str, Any]] | None = None
    """Runs the activity simulation for some hours and returns its summary as JSON."""


def create_app(store: SandboxStore, keys: KeyRing, services: AppServices | None = None) -> ASGIApp:
    """Build the ASGI app that serves ``store`` to clients that send one of ``keys``."""
    services = services or AppServices()
    api = _SandboxApi(store, keys, services)

    routes = []
    for endpoint in ENDPOINTS.values():
        base = f"{API_PREFIX}/{endpoint.path}"
        routes.append(
            Route(base, api.collection(endpoint), methods=sorted(endpoint.collection_methods))
        )
        member_methods = set(endpoint.member_methods)
        if not endpoint.has_show:
            member_methods.discard("GET")
        if member_methods:
            routes.append(
                Route(f"{base}/{{record_id}}", api.member(endpoint), methods=sorted(member_methods))
            )
    routes.append(Route(f"{FILES_ROUTE}/{{file_id}}/{{name}}", api.download, methods=["GET"]))
    routes.append(Route("/_sandbox/simulate", api.simulate, methods=["POST"]))
    routes.append(Route("/_sandbox/advance", api.advance, methods=["POST"]))
    routes.append(Route("/_sandbox/stats", api.stats, methods=["GET"]))

    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error_response,
            HTTPException: _http_error_response,
            Exception: _internal_error_response,
        },
    )
    controlled = RequestControls(app, store.clock, services.faults, services.stats, services.hooks)
    return ClockDateHeader(controlled, store.clock)


class _SandboxApi:
    def __init__(self, store: SandboxStore, keys: KeyRing, services: AppServices) -> None:
        self._store = store
        self._keys = keys
        self._services = services
        self._caches = ListingCaches()
        self.links = FileLinks(store.clock)

    def collection(self, endpoint: Endpoint) -> Handler:
        async def handle(request: Request) -> Response:
            key = self._authenticate(request)
            if request.method == "GET":
                return self._list(request, endpoint, key)
            _require(key, endpoint.area, Permission.WRITE)
            return await self._write(request, endpoint, None)

        return handle

    def member(self, endpoint: Endpoint) -> Handler:
        async def handle(request: Request) -> Response:
            key = self._authenticate(request)
            record_id = request.path_params["record_id"]
            if request.method == "GET":
                return self._show(request, endpoint, key, record_id)
            _require(key, endpoint.area, Permission.WRITE)
            return await self._write(request, endpoint, record_id)

        return handle

    def _list(self, request: Request, endpoint: Endpoint, key: ApiKey) -> Response:
        _require(key, endpoint.area, Permission.READ)
        query = parse_query(dict(request.query_params), endpoint)
        store = self._store
        cap = self._services.faults.plan.page_size_cap
        with store.lock:
            selection = select_page(store, endpoint, query, self._caches, cap)
            context = self._render_context(request, key)
            document = render_collection(store, selection.page, query, context, selection.total)
            body = dump_json(document)
        logger.debug(
            "GET /%s page %d: %d records", endpoint.path, query.page_number, len(selection.page)
        )
        return _json_bytes(body)

    def _show(self, request: Request, endpoint: Endpoint, key: ApiKey, record_id: str) -> Response:
        _require(key, endpoint.area, Permission.READ)
        query = parse_query(dict(request.query_params), endpoint)
        store = self._store
        with store.lock:
            record = store.get(endpoint.resource_type, record_id)
            # NOTE: Pinpoint does not document whether GET /applications/{id} hides
            # confidential jobs' applications, so the sandbox applies the list rule.
            visible_query = Query(
                filters=tuple(f for f in query.filters if f.spec.kind == "visibility")
            )
            if record is None or not matches_filters(store, endpoint, record, visible_query):
                raise ApiError(404, "Record not found")
            body = dump_json(
                render_single(store, record, query, self._render_context(request, key))
            )
        return _json_bytes(body)

    async def _write(self, request: Request, endpoint: Endpoint, record_id: str | None) -> Response:
        body = await request.body()
        store = self._store
        with store.lock:
            status, record = handle_write(store, endpoint, request.method, record_id, body)
            if record is None:
                return _json_bytes(dump_json({"meta": {}}), status)
            context = self._render_context(request, None)
            document = render_single(store, record, Query(), context)
        logger.debug("%s /%s -> %d", request.method, endpoint.path, status)
        return _json_bytes(dump_json(document), status)

    def _render_context(self, request: Request, key: ApiKey | None) -> RenderContext:
        origin = f"{request.url.scheme}://{request.url.netloc}"

        def file_url(attachment: Attachment) -> str:
            return self.links.url(origin, attachment)

        def check_type(type_name: str) -> None:
            if key is not None:
                _require(key, TYPE_AREAS.get(type_name, "Application"), Permission.READ)

        return RenderContext(self._store.clock.now(), file_url, check_type)

    async def download(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        refusal = self.links.check(
            file_id,
            request.query_params.get("expires", ""),
            request.query_params.get("signature", ""),
        )
        if refusal is not None:
            raise ApiError(403, refusal)
        store = self._store
        with store.lock:
            stored = store.files.get(file_id)
            if stored is not None:
                return Response(
                    stored.data,
                    media_type=stored.content_type,
                    headers=_disposition(stored.filename),
                )
            owner_ref = generated_owner(file_id)
            owner = store.get(*owner_ref) if owner_ref else None
            attachments = attachments_of(owner) if owner else []
            attachment = next((a for a in attachments if a.file_id == file_id), None)
            if owner_ref is None or attachment is None:
                raise ApiError(404, "Record not found")
        media_type, content = placeholder_content(attachment, owner_ref)
        return Response(content, media_type=media_type, headers=_disposition(attachment.name))

    async def simulate(self, request: Request) -> Response:
        self._authenticate(request)
        hours = _number_parameter(request, "hours", 24.0)
        if self._services.simulate is None:
            raise ApiError(404, "This sandbox has no activity simulation")
        return _json_bytes(dump_json({"meta": self._services.simulate(hours)}))

    async def advance(self, request: Request) -> Response:
        self._authenticate(request)
        seconds = _number_parameter(request, "seconds", 0.0)
        now = self._store.clock.advance(seconds)
        return _json_bytes(dump_json({"meta": {"now": now}}))

    async def stats(self, request: Request) -> Response:
        self._authenticate(request)
        routes = self._services.stats.by_route()
        counts = {
            route: {str(status): n for status, n in statuses.items()}
            for route, statuses in routes.items()
        }
        return _json_bytes(dump_json({"meta": {"requests": counts}}))

    def _authenticate(self, request: Request) -> ApiKey:
        provided = request.headers.get("x-api-key")
        if not provided:
            raise ApiError(401, "X-API-KEY header not provided")
        key = self._keys.find(provided)
        if key is None:
            raise ApiError(401, "Invalid API key")
        return key


def _require(key: ApiKey, area: str, level: Permission) -> None:
    if key.level(area) < level:
        raise ApiError(403, f"API key lacks {level.label} permission for {area}")


def _number_parameter(request: Request, name: str, default: float) -> float:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ApiError(400, f"Invalid {name}={raw!r}: expected a number", parameter=name) from None
    if value < 0:
        raise ApiError(400, f"Invalid {name}={raw!r}: must not be negative", parameter=name)
    return value


def _disposition(filename: str) -> dict[str, str]:
    safe = filename.replace('"', "").replace("\r", "").replace("\n", "")
    return {"content-disposition": f'attachment; filename="{safe}"'}


def _json_bytes(body: bytes, status_code: int = 200) -> Response:
    return Response(body, status_code=status_code, media_type=JSONAPI_MEDIA_TYPE)


async def _api_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    # Client errors are expected in tests, so they are logged at DEBUG. The detail may
    # quote a query parameter but never a header, so it cannot contain the API key.
    level = logging.ERROR if exc.status >= 500 else logging.DEBUG
    logger.log(level, "%s %s -> %d: %s", request.method, request.url.path, exc.status, exc.detail)
    return _json_bytes(dump_json(exc.to_document()), exc.status)


async def _http_error_response(request: Request, exc: Exception) -> Response:
    """Render Starlette's routing errors (unknown path, wrong method) as JSON:API errors."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        detail = f"No endpoint matches {request.method} {request.url.path}."
    elif exc.status_code == 405:
        detail = f"The sandbox does not support {request.method} on {request.url.path}."
    else:
        detail = str(exc.detail)
    response = _json_bytes(dump_json(error_document(exc.status_code, detail)), exc.status_code)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _internal_error_response(request: Request, exc: Exception) -> Response:
    # Starlette re-raises the exception after this response is sent, and uvicorn logs it
    # with the traceback, so it is not logged here a second time.
    return _json_bytes(dump_json(error_document(500, INTERNAL_ERROR_DETAIL)), 500)
