"""HTTP client for Pinpoint's JSON:API, built on httpx.

Pinpoint specifics handled here:

* Authentication is one static key in the `X-API-KEY` header. The key is kept in the
  httpx client's headers only, so it cannot leak through URLs, reprs or error messages.
* Collections use page-number pagination (`page[number]`, `page[size]` up to 1000) and
  carry no `links.next`, so `iter_pages` reads until a page returns fewer rows than asked.
* 429 and 5xx answers and connection failures are retried with exponential backoff and
  jitter. A `Retry-After` header (seconds or an HTTP date) sets the minimum wait, but a
  value of 0 or a date in the past still backs off, so a misbehaving server is not hammered.
"""

from __future__ import annotations

import email.utils
import logging
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import orjson
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
)

from pipelines.pinpoint.errors import (
    PinpointResponseError,
    PinpointUnavailableError,
    http_error_for,
    sanitize_url,
)
from pipelines.pinpoint.jsonapi import Document
from pipelines.pinpoint.throttle import RequestThrottle

__all__ = ["MAX_PAGE_SIZE", "ClientStats", "PinpointClient", "RetryPolicy"]

logger = logging.getLogger(__name__)

MAX_PAGE_SIZE = 1000
JSONAPI_MEDIA_TYPE = "application/vnd.api+json"
_RETRIABLE_STATUS = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Limits on retrying a retriable failure: attempts, backoff and total time."""

    max_attempts: int = 8
    initial_backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    max_retry_after_seconds: float = 120.0
    max_total_seconds: float = 300.0


@dataclass
class ClientStats:
    """Counters a sync reports at the end: requests sent and retries made."""

    requests: int = 0
    retries: int = 0
    retried_statuses: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1

    def count_retry(self, reason: str) -> None:
        with self._lock:
            self.retries += 1
            self.retried_statuses[reason] = self.retried_statuses.get(reason, 0) + 1


class _RetriableError(Exception):
    def __init__(
        self,
        reason: str,
        url: str,
        retry_after: float | None = None,
        *,
        body_problem: bool = False,
    ) -> None:
        super().__init__(f"{reason} from {url}")
        self.reason = reason
        self.retry_after = retry_after
        self.body_problem = body_problem


class PinpointClient:
    """Send requests to one Pinpoint account and return parsed JSON:API documents.

    `base_url` is the API root, e.g. `https://acme.pinpointhq.com/api/v1`; paths passed to
    the methods are relative to it (`/applications`).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_seconds: float = 30.0,
        retry_policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "pinpoint-pipelines",
        max_concurrency: int = 4,
        max_requests_per_second: float | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry_policy = retry_policy or RetryPolicy()
        self.stats = ClientStats()
        self.throttle = RequestThrottle(max_concurrency, max_requests_per_second)
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={
                "X-API-KEY": api_key,
                "Accept": JSONAPI_MEDIA_TYPE,
                "User-Agent": user_agent,
                "x-vendor-name": user_agent,
            },
            timeout=timeout_seconds,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"PinpointClient(base_url={sanitize_url(self.base_url)!r})"

    def __enter__(self) -> PinpointClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Document:
        """GET one JSON:API document; retriable failures are retried per the policy.

        A 200 whose body is cut short, is not JSON or carries an `errors` array is retried
        too, because proxies and overloaded servers produce such bodies transiently. If it
        persists, `PinpointResponseError` names the URL.
        """

        def attempt() -> Document:
            response, body = self._send_streamed_get(path, params)
            url = sanitize_url(str(response.url))
            try:
                return Document.from_response_body(
                    _decode_json(body, response), url, server_time(response)
                )
            except PinpointResponseError as error:
                raise _RetriableError(str(error), url, body_problem=True) from None

        return self._with_retries("GET", path, attempt)

    def iter_pages(
        self, path: str, params: Mapping[str, Any] | None = None, *, page_size: int = 100
    ) -> Iterator[Document]:
        """Yield every page of a collection, from `page[number]=1` to the last.

        The first request asks for `stats[total]=count`; reading stops once that many rows
        arrived or a page is empty. A server that serves fewer rows per page than asked
        (a cap below `page_size`) is followed at its own page size, so no row is skipped.
        Without a count, the first short page ends the read.
        """
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        size = page_size
        page_number = 1
        seen = 0
        total: int | None = None
        while True:
            page_params = {**(params or {}), "page[number]": page_number, "page[size]": size}
            if page_number == 1:
                page_params["stats[total]"] = "count"
            document = self.get(path, page_params)
            if page_number == 1:
                total = document.total_count()
            yield document
            received = len(document.data)
            seen += received
            if received == 0 or (total is not None and seen >= total):
                return
            if received < size:
                if total is None:
                    return
                if seen % received:
                    raise PinpointResponseError(
                        f"{path} returned {received} rows for a page of {size} after {seen} "
                        "rows, so later pages cannot be aligned; lower page_size and retry"
                    )
                logger.info("%s serves %d rows per page; reading on at that size", path, received)
                size = received
                page_number = seen // size
            page_number += 1

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send a request with retries and return the successful response.

        Raises a `PinpointHTTPError` subclass for fatal statuses and
        `PinpointUnavailableError` once retries are exhausted.
        """
        return self._with_retries(method, path, lambda: self._send_once(method, path, params, json))

    def _with_retries(self, method: str, path: str, attempt_once: Callable[[], T]) -> T:
        policy = self.retry_policy
        retrying = Retrying(
            retry=retry_if_exception_type(_RetriableError),
            stop=stop_after_attempt(policy.max_attempts)
            | stop_after_delay(policy.max_total_seconds),
            wait=self._wait_seconds,
            before_sleep=self._log_retry,
            reraise=True,
        )
        try:
            for attempt in retrying:
                with attempt:
                    return attempt_once()
        except _RetriableError as error:
            if error.body_problem:
                raise PinpointResponseError(
                    f"{error.reason} (still after {policy.max_attempts} attempts)"
                ) from None
            raise PinpointUnavailableError(
                f"Pinpoint kept failing with {error.reason} for {method} "
                f"{sanitize_url(self.base_url + path)} after {policy.max_attempts} attempts "
                f"or {policy.max_total_seconds:.0f} s; try again later or lower the concurrency"
            ) from None
        raise AssertionError("unreachable: tenacity either returns or raises")

    def _send_streamed_get(
        self, path: str, params: Mapping[str, Any] | None
    ) -> tuple[httpx.Response, bytes]:
        """GET `path` and return the response with its body, which the response does not keep.

        httpx links every response to its stream in a reference cycle, so a body stored on
        the response lives until the garbage collector's next full pass. Pages are read
        here as a stream into bytes that the caller owns and frees as soon as it parsed them.
        """
        chunks: list[bytes] = []

        def send() -> httpx.Response:
            request = self._http.build_request("GET", path, params=params)
            response = self._http.send(request, stream=True)
            try:
                if response.is_success:
                    chunks.extend(response.iter_bytes())
                else:
                    response.read()  # small; kept for the error message and Retry-After
            finally:
                response.close()
            return response

        response = self._send_once("GET", path, params, None, send=send)
        return response, b"".join(chunks)

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        *,
        send: Callable[[], httpx.Response] | None = None,
    ) -> httpx.Response:
        self.stats.count_request()
        headers = {"Content-Type": JSONAPI_MEDIA_TYPE} if json is not None else None
        try:
            with self.throttle.slot() as started:
                if send is not None:
                    response = send()
                else:
                    response = self._http.request(
                        method, path, params=params, json=json, headers=headers
                    )
        except httpx.TimeoutException as error:
            raise _RetriableError("a timeout", sanitize_url(str(error.request.url))) from None
        except httpx.TransportError as error:
            raise _RetriableError(
                f"a connection error ({type(error).__name__})", sanitize_url(self.base_url + path)
            ) from None

        url = sanitize_url(str(response.url))
        logger.debug("%s %s -> %s", method, url, response.status_code)
        if response.status_code in _RETRIABLE_STATUS:
            retry_after = _parse_retry_after(response.headers)
            if response.status_code == 429:
                self.throttle.on_rate_limited(retry_after, started)
            raise _RetriableError(f"HTTP {response.status_code}", url, retry_after)
        self.throttle.on_success(started)
        if response.status_code >= 400:
            raise http_error_for(response.status_code, method, url, _error_body(response))
        return response

    def _wait_seconds(self, retry_state: RetryCallState) -> float:
        policy = self.retry_policy
        exponent = max(retry_state.attempt_number - 1, 0)
        backoff = min(policy.initial_backoff_seconds * 2**exponent, policy.max_backoff_seconds)
        backoff = backoff * (0.5 + random.random() / 2)
        error = retry_state.outcome.exception() if retry_state.outcome else None
        retry_after = error.retry_after if isinstance(error, _RetriableError) else None
        if retry_after is not None:
            # The server's wait wins over the backoff, up to a ceiling against absurd values.
            return min(max(retry_after, backoff), policy.max_retry_after_seconds)
        return backoff

    def _log_retry(self, retry_state: RetryCallState) -> None:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        reason = error.reason if isinstance(error, _RetriableError) else "an error"
        self.stats.count_retry(reason)
        wait = retry_state.next_action.sleep if retry_state.next_action else 0.0
        logger.warning(
            "Pinpoint returned %s (attempt %d); retrying in %.1f s",
            reason,
            retry_state.attempt_number,
            wait,
        )


def server_time(response: httpx.Response) -> datetime | None:
    """Return the server clock from a response's `Date` header, or None when absent."""
    value = response.headers.get("Date")
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _parse_retry_after(headers: httpx.Headers) -> float | None:
    """Parse `Retry-After` as seconds or an HTTP date; past dates and junk give 0 or None."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _decode_json(body: bytes, response: httpx.Response) -> Any:
    # orjson parses pages several times faster than the standard library; parsing was the
    # largest cost of a full sync in the benchmark profile.
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise PinpointResponseError(
            f"Pinpoint returned a body that is not valid JSON for "
            f"{sanitize_url(str(response.url))} (HTTP {response.status_code}, "
            f"{len(body)} bytes)"
        ) from None


def _error_body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:300]
