"""ASGI layers around the sandbox app: the Date header, request counts, hooks and faults.

The order, outermost first: ``ClockDateHeader`` sets ``Date`` on every response,
``RequestControls`` counts every request by route and status, calls the request hooks,
then applies latency, the rate limit and injected faults before the app serves it.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.errors import INTERNAL_ERROR_DETAIL, error_document
from pipelines.sandbox.faults import Fault, FaultController, retry_after_header
from pipelines.sandbox.records import dump_json

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
_MEMBER_PATH = re.compile(r"^(/[a-z_]+)/[^/]+$")
_BAD_GATEWAY_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
)


@dataclass(frozen=True)
class SandboxRequest:
    """A request as request hooks see it, before the sandbox serves it.

    ``path`` is relative to ``/api/v1`` (``/applications``); ``params`` keeps the last
    value of each query parameter. ``number`` counts requests from 1. Bodies and headers
    are not included, so the API key never reaches a hook.
    """

    number: int
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def route(self) -> str:
        return route_of(self.path)


RequestHook = Callable[[SandboxRequest], None]


def route_of(path: str) -> str:
    """Return the route of an API path: ``/applications/12`` becomes ``/applications/{id}``."""
    match = _MEMBER_PATH.match(path)
    return f"{match.group(1)}/{{id}}" if match else path


class RequestStats:
    """Counts of requests by method, route and response status, safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[tuple[str, str, int]] = Counter()

    def record(self, method: str, route: str, status: int) -> None:
        with self._lock:
            self._counts[(method, route, status)] += 1

    def count(
        self, route: str | None = None, status: int | None = None, method: str | None = None
    ) -> int:
        """Count requests matching every given criterion.

        ``route`` is a path relative to ``/api/v1`` with ``{id}`` for record ids, for
        example ``/applications`` or ``/applications/{id}``; sandbox routes such as
        ``/_sandbox/files`` are counted too.
        """
        with self._lock:
            return sum(
                number
                for (m, r, s), number in self._counts.items()
                if (route is None or r == route)
                and (status is None or s == status)
                and (method is None or m == method.upper())
            )

    def by_route(self) -> dict[str, dict[int, int]]:
        """Return ``{route: {status: count}}`` over all methods."""
        result: dict[str, dict[int, int]] = {}
        with self._lock:
            for (_, route, status), number in self._counts.items():
                statuses = result.setdefault(route, {})
                statuses[status] = statuses.get(status, 0) + number
        return result

    @property
    def total(self) -> int:
        return self.count()

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


class RequestControls:
    """ASGI middleware that counts requests, calls hooks and injects faults."""

    def __init__(
        self,
        app: ASGIApp,
        clock: SandboxClock,
        faults: FaultController,
        stats: RequestStats,
        hooks: list[RequestHook],
    ) -> None:
        self.app = app
        self.clock = clock
        self.faults = faults
        self.stats = stats
        self.hooks = hooks
        self._numbers = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        full_path: str = scope["path"]
        in_api = full_path.startswith(API_PREFIX + "/")
        path = full_path[len(API_PREFIX) :] if in_api else full_path
        route = route_of(path) if in_api else _sandbox_route(full_path)
        status_seen: list[int] = []

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_seen.append(message["status"])
                self.stats.record(method, route, message["status"])
            await send(message)

        if not in_api:
            await self.app(scope, receive, counting_send)
            return

        request = SandboxRequest(
            next(self._numbers),
            method,
            path,
            dict(
                parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            ),
        )
        try:
            for hook in list(self.hooks):
                hook(request)
        except Exception:
            logger.exception("Request hook failed for %s %s; responding with 500", method, path)
            await _send_body(
                counting_send, 500, dump_json(error_document(500, INTERNAL_ERROR_DETAIL))
            )
            return

        delay = self.faults.latency()
        if delay:
            await asyncio.sleep(delay)
        wait = self.faults.rate_limit_wait()
        if wait:
            headers = [(b"retry-after", retry_after_header(wait).encode())]
            body = dump_json(error_document(429, "Rate limit exceeded"))
            await _send_body(counting_send, 429, body, headers)
            return

        fault = self.faults.decide(method, path)
        await self._serve_with_fault(fault, scope, receive, counting_send)

    async def _serve_with_fault(
        self, fault: Fault, scope: Scope, receive: Receive, send: Send
    ) -> None:
        name = fault.name
        if name.startswith("429"):
            await _send_body(
                send,
                429,
                dump_json(error_document(429, "Rate limit exceeded")),
                self._retry_after(fault),
            )
            return
        if name in ("500", "503"):
            detail = INTERNAL_ERROR_DETAIL if name == "500" else "Service temporarily unavailable"
            await _send_body(send, int(name), dump_json(error_document(int(name), detail)))
            return
        if name == "502":
            await _send_body(send, 502, _BAD_GATEWAY_PAGE, content_type=b"text/html")
            return
        if name in ("timeout", "slow"):
            stall = fault.value if fault.value is not None else self.faults.plan.stall_seconds
            await asyncio.sleep(stall)
        if name in ("truncated", "malformed", "errors-200"):
            await self._serve_altered(name, scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _retry_after(self, fault: Fault) -> list[tuple[bytes, bytes]]:
        seconds = (
            fault.value if fault.value is not None else float(self.faults.plan.retry_after_seconds)
        )
        if fault.name == "429-none":
            return []
        if fault.name == "429-zero":
            return [(b"retry-after", b"0")]
        if fault.name == "429-date":
            moment = self.clock.now() + timedelta(seconds=math.ceil(seconds))
            return [(b"retry-after", email.utils.format_datetime(moment, usegmt=True).encode())]
        return [(b"retry-after", retry_after_header(seconds).encode())]

    async def _serve_altered(self, name: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request, then replace a successful body as the fault describes."""
        start: dict[str, object] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        body = b"".join(chunks)
        status = int(start.get("status", 500))  # type: ignore[call-overload]
        if status >= 400:
            await _send_body(send, status, body)
            return
        if name == "truncated":
            body = body[: max(len(body) // 2, 1)]
        elif name == "malformed":
            body = b'{"data": [{"id": "1", "type": '
            await _send_body(send, 200, body, content_type=b"text/plain")
            return
        else:
            body = dump_json(error_document(500, INTERNAL_ERROR_DETAIL))
        await _send_body(send, 200, body)


class ClockDateHeader:
    """ASGI middleware that sets every response's ``Date`` header from the sandbox clock.

    It wraps the whole app, so 500 responses get the header too. Run uvicorn with
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


def _sandbox_route(path: str) -> str:
    parts = path.strip("/").split("/")
    return "/" + "/".join(parts[:2])


async def _send_body(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    content_type: bytes = JSONAPI_MEDIA_TYPE.encode(),
) -> None:
    all_headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
        *(headers or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": all_headers})
    await send({"type": "http.response.body", "body": body})
