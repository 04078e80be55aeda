"""Progress reporting hooks for long reads; the CLI plugs a terminal display in here."""

from __future__ import annotations

from typing import Protocol

__all__ = ["NullProgress", "SyncProgress"]


class SyncProgress(Protocol):
    """Receives per-endpoint progress. Calls may come from several threads."""

    def start(self, endpoint: str, total: int | None) -> None: ...

    def advance(self, endpoint: str, records: int) -> None: ...

    def finish(self, endpoint: str) -> None: ...


class NullProgress:
    """Discards progress; the default for library use."""

    def start(self, endpoint: str, total: int | None) -> None:
        pass

    def advance(self, endpoint: str, records: int) -> None:
        pass

    def finish(self, endpoint: str) -> None:
        pass
