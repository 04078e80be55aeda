"""A terminal progress display for syncs: one bar per Pinpoint endpoint."""

from __future__ import annotations

import threading

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["ProgressDisplay"]


class ProgressDisplay:
    """Shows records read per endpoint against Pinpoint's count of changed records.

    The total comes from `stats[total]=count` at the start of each read; records changed
    while the read runs can make the final number differ from it.
    """

    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            TextColumn("{task.description:<16}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}
        self._lock = threading.Lock()

    def __enter__(self) -> ProgressDisplay:
        self._progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def start(self, endpoint: str, total: int | None) -> None:
        with self._lock:
            self._tasks[endpoint] = self._progress.add_task(endpoint.lstrip("/"), total=total)

    def advance(self, endpoint: str, records: int) -> None:
        with self._lock:
            task = self._tasks.get(endpoint)
        if task is not None:
            self._progress.advance(task, records)

    def finish(self, endpoint: str) -> None:
        with self._lock:
            task = self._tasks.get(endpoint)
        if task is None:
            return
        completed = next(item.completed for item in self._progress.tasks if item.id == task)
        self._progress.update(task, total=completed)
