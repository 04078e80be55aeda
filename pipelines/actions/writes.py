"""Send a write whose outcome may be unknown, without applying it twice.

When a POST times out, the connection drops or Pinpoint returns 429 or 5xx, the write
may or may not have been applied. `send_once_or_find` then asks `find_applied` whether
the record exists (for creates, by the idempotency key in `external_system_reference`)
and only sends again when it does not. A write applied by Pinpoint after that check,
for example one stuck in a queue, can still produce a duplicate; Pinpoint does not
enforce unique references, so this narrows the window but cannot close it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pipelines.actions.session import ActionSession
from pipelines.pinpoint.client import server_time
from pipelines.pinpoint.errors import (
    PinpointResponseError,
    PinpointUnavailableError,
    sanitize_url,
)
from pipelines.pinpoint.jsonapi import Document

__all__ = ["WriteOutcome", "send_once_or_find"]

logger = logging.getLogger(__name__)

Found = TypeVar("Found")


@dataclass
class WriteOutcome(Generic[Found]):
    """The result of a write: the response document, or what `find_applied` found."""

    document: Document | None = None
    found: Found | None = None
    attempts: int = 1


def send_once_or_find(
    session: ActionSession,
    method: str,
    path: str,
    body: dict[str, Any],
    find_applied: Callable[[], Found | None],
) -> WriteOutcome[Found]:
    """Send `body` with `method` to `path`, at most `session.write_attempts` times.

    Between attempts, `find_applied` returns what the earlier attempt created, if it took
    effect; that ends the loop. Raises `PinpointUnavailableError` when every attempt
    failed and nothing was found, and the typed HTTP errors of the client for 4xx.
    """
    url = sanitize_url(session.settings.base_url + path)
    last_error: PinpointUnavailableError | None = None
    for attempt in range(1, session.write_attempts + 1):
        if attempt > 1:
            session.wait_before_write_attempt(attempt)
            found = find_applied()
            if found is not None:
                logger.info(
                    "%s %s had taken effect before its response was lost; not sending again",
                    method,
                    url,
                )
                return WriteOutcome(found=found, attempts=attempt - 1)
        try:
            response = session.write_client.request(method, path, json=body)
        except PinpointUnavailableError as error:
            last_error = error
            logger.warning(
                "%s %s failed with an unknown outcome (attempt %d of %d); checking whether it "
                "took effect before sending it again",
                method,
                url,
                attempt,
                session.write_attempts,
            )
            continue
        try:
            body_json = response.json()
        except ValueError:
            raise PinpointResponseError(
                f"Pinpoint applied {method} {url} but its response is not JSON "
                f"(HTTP {response.status_code}); read the record to see the result"
            ) from None
        document = Document.from_response_body(body_json, url, server_time(response))
        return WriteOutcome(document=document, attempts=attempt)

    found = find_applied()
    if found is not None:
        return WriteOutcome(found=found, attempts=session.write_attempts)
    raise PinpointUnavailableError(
        f"{method} {url} failed {session.write_attempts} times and the write was not found "
        f"in Pinpoint ({last_error}); it is safe to run the action again"
    )
