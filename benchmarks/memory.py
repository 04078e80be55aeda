"""Sample the resident memory of this process during a phase, to place its peak in a step.

``ru_maxrss`` gives a phase's peak but not when it happened. The samples show whether
memory peaks while dlt extracts (the connector keeps pages or rows in memory), normalizes or
loads (DuckDB and its file reader).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

try:
    import psutil
except ImportError:  # optional: /proc is read instead on Linux
    psutil = None

SAMPLE_INTERVAL_SECONDS = 0.2

StepWindow = tuple[str, float, float]
"""A dlt step name with its start and end as Unix timestamps."""


class RssSampler:
    """A daemon thread that records ``(unix time, rss bytes)`` of this process until stopped.

    It records nothing where the RSS cannot be read (no psutil and no ``/proc``).
    """

    def __init__(self, interval_seconds: float = SAMPLE_INTERVAL_SECONDS) -> None:
        self.interval_seconds = interval_seconds
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = current_rss_bytes()
            if rss is None:
                return
            self.samples.append((time.time(), rss))
            self._stop.wait(self.interval_seconds)


def current_rss_bytes(pid: int | None = None) -> int | None:
    """Return the resident memory of a process (this one by default), or None if unknown.

    psutil is used when it is installed, else Linux's ``/proc/PID/statm``.
    """
    if psutil is not None:
        try:
            return int(psutil.Process(pid).memory_info().rss)
        except psutil.NoSuchProcess:
            return None
    try:
        resident_pages = int(Path(f"/proc/{pid or 'self'}/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def machine_memory_bytes() -> int:
    """Return the machine's physical memory (POSIX ``sysconf``)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def peak_by_step(samples: list[tuple[float, int]], windows: list[StepWindow]) -> dict[str, int]:
    """Return the highest sampled RSS in bytes within each step's window."""
    peaks: dict[str, int] = {}
    for step, start, end in windows:
        inside = [rss for moment, rss in samples if start <= moment <= end]
        if inside:
            peaks[step] = max(peaks.get(step, 0), max(inside))
    return peaks


def seconds_by_step(windows: list[StepWindow]) -> dict[str, float]:
    """Return the seconds spent in each step, summed over repeated steps."""
    seconds: dict[str, float] = {}
    for step, start, end in windows:
        seconds[step] = round(seconds.get(step, 0.0) + end - start, 3)
    return seconds
