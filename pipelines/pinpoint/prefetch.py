"""Run page readers in background threads and hand their pages over through a queue.

dlt consumes the resources of a source one item at a time in its main thread. Fetching
pages in background threads lets the HTTP requests of every endpoint and every slice
overlap with the mapping of pages already received. The queue is bounded, so at most a
few pages per reader are held in memory however large the account is.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["prefetch"]

T = TypeVar("T")

_POLL_SECONDS = 0.1
_JOIN_SECONDS = 5.0


@dataclass
class _Failure:
    error: BaseException


class _Done:
    pass


def prefetch(
    readers: Sequence[Callable[[], Iterator[T]]], pages_per_reader: int = 2
) -> Iterator[T]:
    """Yield the items of every reader as they arrive, each reader in its own thread.

    An exception in a reader stops the others and is raised here. Closing this generator
    early (the consumer failed) stops the readers after their current request.
    """
    buffer: queue.Queue[object] = queue.Queue(maxsize=max(1, pages_per_reader * len(readers)))
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                buffer.put(item, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def run(reader: Callable[[], Iterator[T]]) -> None:
        try:
            for item in reader():
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, which re-raises it
            put(_Failure(error))
        finally:
            put(_Done())

    threads = [
        threading.Thread(target=run, args=(reader,), name="pinpoint-prefetch", daemon=True)
        for reader in readers
    ]
    for thread in threads:
        thread.start()
    finished = 0
    try:
        while finished < len(threads):
            item = buffer.get()
            if isinstance(item, _Done):
                finished += 1
            elif isinstance(item, _Failure):
                raise item.error
            else:
                yield item  # type: ignore[misc]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=_JOIN_SECONDS)
