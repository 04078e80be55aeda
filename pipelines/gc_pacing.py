"""Run Python's cyclic garbage collector less often while a sync reads and loads.

CPython collects the oldest generation whenever enough objects have outlived the younger
ones. During a sync, the parsed pages waiting in the read-ahead queue are such objects:
hundreds of thousands of dicts and lists at a time, which every full collection walks
only to find them alive. In a benchmark sync of 100,000 applications, 27 full
collections took 13 s (timed with `gc.callbacks`).

Little of what a sync allocates forms reference cycles, and the largest such objects,
httpx responses, no longer keep the page bodies (`PinpointClient._send_streamed_get`).
So inside `collect_less()` the youngest generation is collected only once a million
more objects were allocated than freed, that is when memory really grows, and the older
generations are left alone. On leaving, the previous thresholds return and one full
collection frees the cycles the sync left behind.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["SYNC_THRESHOLDS", "collect_less"]

SYNC_THRESHOLDS = (1_000_000, 1_000, 1_000)
"""`gc.set_threshold` values in force during a sync."""

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def collect_less() -> Iterator[None]:
    """Raise the collector's thresholds for the duration of the block.

    Nested and concurrent blocks (several accounts synced at once) share one setting:
    the first to enter saves the thresholds, the last to leave restores them.
    """
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(*SYNC_THRESHOLDS)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            restore = _depth == 0
            if restore and _saved is not None:
                gc.set_threshold(*_saved)
                _saved = None
        if restore:
            gc.collect()
