"""Simulated time for the sandbox.

Every timestamp the sandbox writes, and the ``Date`` header of every response, comes from
one ``SandboxClock``. Tests change data, call ``advance`` and sync again, so the
connector's incremental window (whose upper edge is the server's ``Date``) moves forward
without the test sleeping.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime


class SandboxClock:
    """UTC time equal to the real UTC time plus an offset that only grows.

    ``now()`` is truncated to whole seconds because Pinpoint's timestamps have second
    precision.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(seconds=offset_seconds)

    @property
    def offset(self) -> timedelta:
        """How far the simulated time is ahead of the real time."""
        with self._lock:
            return self._offset

    def now(self) -> datetime:
        """Return the simulated time as an aware UTC datetime with whole seconds."""
        with self._lock:
            offset = self._offset
        return (datetime.now(UTC) + offset).replace(microsecond=0)

    def advance(self, seconds: float) -> datetime:
        """Move the simulated time forward and return the new ``now()``.

        Raises ``ValueError`` for a negative step: the connector's incremental state
        assumes server time never goes back.
        """
        if seconds < 0:
            raise ValueError(f"cannot move the sandbox clock backwards: seconds={seconds}")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()

    def http_date(self) -> str:
        """Return ``now()`` as an RFC 7231 HTTP date, for example
        ``Wed, 19 Feb 2025 09:25:04 GMT``."""
        return format_datetime(self.now(), usegmt=True)
