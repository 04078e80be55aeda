"""Sample a phase with py-spy and sum the samples by the same categories as the cProfile.

cProfile adds a fixed cost to every Python call. The mappers make tens of millions of
small calls, so under cProfile they look several times more expensive than they are.
py-spy samples the stacks from outside the process instead. With ``--gil`` it keeps only
the thread that holds the GIL at each sample, which is where the CPU time of Python code
goes. py-spy starts the phase process, because attaching to a running process failed in
containers. Main-thread samples outside the measured work (startup, imports, exit) are
dropped. Other threads start during the work, so all their samples count. py-spy is
optional: ``pip install py-spy``.
"""

from __future__ import annotations

import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.profile_summary import OTHER, category_of

SAMPLES_PER_SECOND = 100
MEASURED_FRAME = "_measure (benchmarks/phases.py:"
"""Main-thread samples count only inside this frame, the phase's measured work."""
NATIVE = "native code without a Python frame (C extensions, startup)"


def py_spy_executable() -> str | None:
    """Return the py-spy executable next to this Python or on PATH, if installed."""
    beside = Path(sys.executable).parent / "py-spy"
    if beside.exists():
        return str(beside)
    return shutil.which("py-spy")


def py_spy_command(executable: str, output: Path, command: list[str]) -> list[str]:
    """Wrap ``command`` so that py-spy starts it and writes raw samples to ``output``."""
    return [
        executable,
        "record",
        "--format=raw",
        "--gil",
        "--threads",
        "--nonblocking",
        f"--rate={SAMPLES_PER_SECOND}",
        f"--output={output}",
        "--",
        *command,
    ]


def summarise_samples(path: Path, count: int = 15) -> dict[str, Any]:
    """Return seconds holding the GIL per category for the main and the other threads.

    Each line of py-spy's raw output is ``thread (id): name;frame;...;frame count`` with
    frames written as ``function (file:line)``, outermost first.
    """
    totals: dict[str, Counter[str]] = {"main_thread": Counter(), "worker_threads": Counter()}
    leaves: Counter[tuple[str, str]] = Counter()
    for line in path.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if not stack or not number.isdigit():
            continue
        thread, *frames = stack.split(";")
        part = "main_thread" if thread.endswith(": MainThread") else "worker_threads"
        if part == "main_thread" and not any(MEASURED_FRAME in frame for frame in frames):
            continue
        category = _stack_category(frames)
        totals[part][category] += int(number)
        leaves[(_function_of(frames[-1]) if frames else NATIVE, category)] += int(number)
    summary: dict[str, Any] = {"samples_per_second": SAMPLES_PER_SECOND}
    for part, counts in totals.items():
        summary[part] = {
            "categories": {
                name: round(samples / SAMPLES_PER_SECOND, 2)
                for name, samples in counts.most_common()
            }
        }
    summary["top_functions"] = [
        {"function": frame, "seconds": round(samples / SAMPLES_PER_SECOND, 2), "category": name}
        for (frame, name), samples in leaves.most_common(count)
    ]
    return summary


def render_samples_markdown(summary: dict[str, Any]) -> str:
    """Render a summary from ``summarise_samples`` as Markdown tables."""
    lines: list[str] = []
    for part, title in (("main_thread", "Main thread"), ("worker_threads", "Other threads")):
        categories = summary[part]["categories"]
        total = sum(categories.values()) or 1.0
        lines += [f"#### {title}: seconds holding the GIL by category", ""]
        lines += ["| Category | Seconds | Share |", "| --- | ---: | ---: |"]
        for name, seconds in categories.items():
            lines.append(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
        lines.append("")
    lines += ["#### Functions holding the GIL most often (all threads)", ""]
    lines += ["| Function | Seconds | Category |", "| --- | ---: | --- |"]
    for row in summary["top_functions"]:
        lines.append(f"| `{row['function']}` | {row['seconds']:.2f} | {row['category']} |")
    lines.append("")
    return "\n".join(lines)


def _function_of(frame: str) -> str:
    """Drop the line number: ``f (a.py:12)`` becomes ``f (a.py)``."""
    name, _, location = frame.rpartition(" (")
    return f"{name} ({location.rstrip(')').rpartition(':')[0]})"


def _stack_category(frames: list[str]) -> str:
    """Return the category of the innermost frame that is not a generic helper."""
    for frame in reversed(frames):
        name, _, location = frame.rpartition(" (")
        file_name = location.rstrip(")").rpartition(":")[0]
        category = category_of(("/" + file_name, 0, name))
        if category is not None:
            return category
    return NATIVE if not frames else OTHER
