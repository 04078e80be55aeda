"""What every action needs for one account: clients, the destination and the defaults.

An `ActionSession` has two clients of the account. Reads and idempotent writes (PUT)
go through `client`, which retries 429, 5xx and timeouts. Creates (POST) go through
`write_client`, which sends each request once: a POST retried after a timeout can create
a record twice, so the create actions check whether the first attempt took effect before
they send again (see `writes.py`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import dlt
import httpx

from pipelines.actions.downloads import FileDownloader
from pipelines.actions.resolve import IdResolver
from pipelines.actions.tracking import CreatedRecordTracker
from pipelines.pinpoint.client import PinpointClient, RetryPolicy
from pipelines.pinpoint.errors import PinpointConfigurationError
from pipelines.pinpoint.mappers.common import MapContext
from pipelines.pinpoint.settings import DEFAULT_SECTION, PinpointSettings

__all__ = ["ActionSession", "SourceDefaults", "source_defaults_from_config"]

DEFAULT_SOURCE_NAME = "pinpoint-pipelines"
DEFAULT_SOURCE_CHANNEL = "api"
_MAX_SOURCE_LENGTH = 255


@dataclass(frozen=True)
class SourceDefaults:
    """The source written to Pinpoint's `channel` and `channel_source` on every create.

    `name` goes to `channel_source` unless the input names a source; `channel` is the
    kind of channel, for example `api` or `job_board`.
    """

    name: str = DEFAULT_SOURCE_NAME
    channel: str = DEFAULT_SOURCE_CHANNEL

    def __post_init__(self) -> None:
        for label, value in (("source_name", self.name), ("source_channel", self.channel)):
            if not value or not value.strip() or len(value) > _MAX_SOURCE_LENGTH:
                raise PinpointConfigurationError(
                    f"{label} is invalid: set it to 1 to {_MAX_SOURCE_LENGTH} characters"
                )


def source_defaults_from_config(section: str = DEFAULT_SECTION) -> SourceDefaults:
    """Read `source_name` and `source_channel` from the dlt config section of an account."""
    name: Any = dlt.config.get(f"{section}.source_name") or DEFAULT_SOURCE_NAME
    channel: Any = dlt.config.get(f"{section}.source_channel") or DEFAULT_SOURCE_CHANNEL
    return SourceDefaults(str(name), str(channel))


class ActionSession:
    """Clients, id resolution, tracking and source defaults for the actions of one account.

    `pipeline` is the sync's dlt pipeline: its destination resolves unified ids and keeps
    the table of created records. Without it, inputs must use `remote:<id>` (jobs excepted)
    and nothing is tracked. `transport` replaces the HTTP transport of every client, for
    tests. Close the session, or use it as a context manager.
    """

    def __init__(
        self,
        settings: PinpointSettings,
        *,
        pipeline: dlt.Pipeline | None = None,
        source: SourceDefaults | None = None,
        track_created: bool = True,
        retry_policy: RetryPolicy | None = None,
        timeout_seconds: float = 30.0,
        write_attempts: int = 4,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if write_attempts < 1:
            raise ValueError(f"write_attempts must be at least 1, got {write_attempts}")
        self.settings = settings
        self.account = settings.account
        self.context = MapContext(settings.account)
        self.source = source or SourceDefaults()
        self.retry_policy = retry_policy or RetryPolicy()
        self.write_attempts = write_attempts
        self.pipeline = pipeline

        self.client = PinpointClient(
            settings.base_url,
            settings.api_key,
            retry_policy=self.retry_policy,
            timeout_seconds=timeout_seconds,
            transport=transport,
        )
        self.write_client = PinpointClient(
            settings.base_url,
            settings.api_key,
            retry_policy=RetryPolicy(max_attempts=1),
            timeout_seconds=timeout_seconds,
            transport=transport,
        )

        self.downloader = FileDownloader(
            settings.base_url, settings.api_key, timeout_seconds=timeout_seconds * 2
        )
        self.resolver = IdResolver(self.client, self.account, pipeline)
        self.tracker = (
            CreatedRecordTracker(pipeline, self.account)
            if pipeline is not None and track_created
            else None
        )

    def __repr__(self) -> str:
        return f"ActionSession(account={self.account!r})"

    def __enter__(self) -> ActionSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()
        self.write_client.close()
        self.downloader.close()

    def wait_before_write_attempt(self, attempt: int) -> None:
        """Sleep the retry policy's backoff before write attempt `attempt` (2, 3, ...)."""
        policy = self.retry_policy
        delay = min(policy.initial_backoff_seconds * 2 ** (attempt - 2), policy.max_backoff_seconds)
        time.sleep(delay)
