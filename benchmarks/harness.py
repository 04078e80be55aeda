"""Start and watch the benchmark's processes: the sandbox server and one per phase.

Each phase process is bounded: it is killed when it runs past its time limit or when
the resident memory of its process tree passes a limit, and the phase is then reported
as failed with the reason.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

try:
    import psutil
except ImportError:  # optional: /proc is read instead on Linux
    psutil = None

from benchmarks.memory import current_rss_bytes
from benchmarks.sampling import py_spy_command, py_spy_executable

logger = logging.getLogger("benchmarks.harness")

REPO_ROOT = Path(__file__).resolve().parent.parent
API_KEY_VARIABLE = "BENCHMARK_API_KEY"
_WATCH_INTERVAL_SECONDS = 0.25


def child_environment(api_key: str) -> dict[str, str]:
    """Return the environment for benchmark processes: the key, and dlt telemetry off.

    dlt sends anonymous usage telemetry to dltHub's servers unless it is disabled, and
    the benchmark must send no request beyond 127.0.0.1.
    """
    environment = dict(os.environ)
    environment[API_KEY_VARIABLE] = api_key
    environment["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    return environment


@dataclass(frozen=True)
class AccountSize:
    """Numbers of records the sandbox generates for one benchmark size."""

    applications: int
    candidates: int
    jobs: int
    users: int

    @classmethod
    def for_applications(cls, applications: int) -> AccountSize:
        """Scale the other record types with the applications: two candidates per three
        applications, one job per 1,200 applications (at least 3) and one user per 5,000
        (at least 8)."""
        return cls(
            applications=applications,
            candidates=max(1, applications * 2 // 3),
            jobs=max(3, round(applications / 1200)),
            users=max(8, round(applications / 5000)),
        )


class SandboxProcess:
    """A sandbox served by ``benchmarks.sandbox_process`` in a child process."""

    def __init__(
        self, size: AccountSize, api_key: str, seed: int, startup_timeout_seconds: float
    ) -> None:
        command = [
            sys.executable,
            "-m",
            "benchmarks.sandbox_process",
            f"--seed={seed}",
            f"--jobs={size.jobs}",
            f"--candidates={size.candidates}",
            f"--applications={size.applications}",
            f"--users={size.users}",
        ]
        self._process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=child_environment(api_key),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert self._process.stdout is not None
        threading.Thread(
            target=_pump_lines, args=(self._process.stdout, self._lines), daemon=True
        ).start()
        started = self._next_message(startup_timeout_seconds)
        if started.get("event") != "started":
            self.close()
            raise RuntimeError(f"the sandbox process sent {started!r} instead of starting")
        self.base_url: str = started["base_url"]
        self.counts: dict[str, int] = started["counts"]
        self.generate_seconds: float = started["generate_seconds"]

    @property
    def pid(self) -> int:
        return self._process.pid

    def command(self, name: str, timeout_seconds: float = 120.0, **fields: Any) -> dict[str, Any]:
        """Send one command and return its reply; raise ``RuntimeError`` if it failed."""
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps({"command": name, **fields}) + "\n")
        self._process.stdin.flush()
        reply = self._next_message(timeout_seconds)
        if not reply.get("ok"):
            raise RuntimeError(f"sandbox command {name} failed: {reply.get('error')}")
        return reply

    def close(self) -> None:
        """Stop the sandbox: end its input, then terminate it if it does not exit."""
        if self._process.poll() is None and self._process.stdin is not None:
            with contextlib.suppress(BrokenPipeError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            logger.warning("Sandbox process %d did not stop; terminating it", self._process.pid)
            self._process.terminate()
            self._process.wait(timeout=20)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _next_message(self, timeout_seconds: float) -> dict[str, Any]:
        try:
            line = self._lines.get(timeout=timeout_seconds)
        except queue.Empty:
            raise RuntimeError(
                f"the sandbox process sent nothing within {timeout_seconds:.0f} s"
            ) from None
        if line is None:
            raise RuntimeError(
                f"the sandbox process exited with code {self._process.wait()}; see its stderr"
            )
        return json.loads(line)


def _pump_lines(stream: IO[str], lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line)
    lines.put(None)


@dataclass
class PhaseLimits:
    """Limits that end a phase process early: wall time and resident memory of its tree."""

    timeout_seconds: float
    max_rss_bytes: int


def run_phase(
    phase: str,
    folder: Path,
    api_key: str,
    limits: PhaseLimits,
    *,
    base_url: str | None = None,
    profile_path: Path | None = None,
    py_spy_samples: Path | None = None,
    page_size: int | None = None,
) -> dict[str, Any]:
    """Run ``benchmarks.phases PHASE`` in a new process and return its JSON result.

    With ``py_spy_samples``, py-spy starts the phase process and writes its samples to
    that file. ``page_size`` sets the connector's page size (1000 when None). A failed
    phase returns ``{"error": ...}`` and the last lines of the phase's log.
    """
    folder.mkdir(parents=True, exist_ok=True)
    output = folder / f"{phase}-result.json"
    output.unlink(missing_ok=True)
    command = [
        sys.executable,
        "-m",
        "benchmarks.phases",
        phase,
        f"--folder={folder}",
        f"--output={output}",
    ]
    if base_url:
        command.append(f"--base-url={base_url}")
    if profile_path is not None:
        command.append(f"--profile={profile_path}")
    if page_size is not None:
        command.append(f"--page-size={page_size}")
    if py_spy_samples is not None:
        executable = py_spy_executable()
        if executable is None:
            raise RuntimeError("py-spy is not installed; install it with: pip install py-spy")
        command = py_spy_command(executable, py_spy_samples, command)
    log_path = folder / f"{phase}.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=child_environment(api_key),
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        reason = _watch(process, limits)
    if reason is None and process.returncode == 0 and output.exists():
        return json.loads(output.read_text())
    tail = log_path.read_text()[-2000:]
    return {
        "error": reason or f"phase process exited with code {process.returncode}",
        "log_tail": tail,
    }


def _watch(process: subprocess.Popen[bytes], limits: PhaseLimits) -> str | None:
    """Wait for ``process``; kill it and return why when it passes a limit.

    The memory limit is checked only where the RSS can be read (psutil or ``/proc``).
    """
    deadline = time.monotonic() + limits.timeout_seconds
    while process.poll() is None:
        if time.monotonic() > deadline:
            _kill_group(process)
            return f"timed out after {limits.timeout_seconds:.0f} s"
        rss = _tree_rss(process.pid)
        if rss > limits.max_rss_bytes:
            _kill_group(process)
            return (
                f"resident memory reached {rss / 2**30:.1f} GiB, above the limit of "
                f"{limits.max_rss_bytes / 2**30:.1f} GiB"
            )
        time.sleep(_WATCH_INTERVAL_SECONDS)
    return None


def _tree_rss(pid: int) -> int:
    """Return the summed RSS of ``pid`` and its descendants; 0 when it cannot be read."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        total += current_rss_bytes(current) or 0
        pending += _children(current)
    return total


def _children(pid: int) -> list[int]:
    if psutil is not None:
        try:
            return [child.pid for child in psutil.Process(pid).children()]
        except psutil.NoSuchProcess:
            return []
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            children += [int(child) for child in task.read_text().split()]
    return children


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the phase process and everything it started (they share a process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
