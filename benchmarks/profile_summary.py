"""Sum a cProfile of a sync by where the time goes: HTTP, JSON, mapping, Arrow, dlt, DuckDB.

Each function's own time (``tottime``) goes to one category, chosen by the file that
defines it. Built-in functions have no file, so their time goes to the category of the
function that called them, split by the time measured per caller. Socket reads and lock
waits are the exceptions: they get categories of their own, because they are time spent
waiting for the sandbox or for another thread, not work.

Profiles of worker threads (HTTP prefetching, dlt's load jobs) are summed separately
from the main thread's, since their time overlaps the main thread's wall time.
"""

from __future__ import annotations

import pstats
from collections import Counter
from pathlib import Path
from typing import Any

FunctionKey = tuple[str, int, str]

SOCKET_WAIT = "waiting for the sandbox (socket I/O)"
THREAD_WAIT = "waiting for other threads (locks, queues)"
OTHER = "other Python (runtime, logging, config)"

# (category, substrings of the file path), first match wins.
PATH_CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JSON parsing", ("/json/decoder.py", "/orjson/")),
    ("JSON encoding", ("/json/encoder.py",)),
    (
        "HTTP client (httpx, h11, connector client)",
        (
            "/httpx/",
            "/httpcore/",
            "/h11/",
            "/anyio/",
            "/http/",
            "/ssl.py",
            "/socket.py",
            "/email/",
            "/urllib/",
            "/tenacity/",
            "/pipelines/pinpoint/client.py",
            "/pipelines/pinpoint/throttle.py",
        ),
    ),
    (
        "mapping to rows (mappers, ids, JSON:API)",
        (
            "/pipelines/pinpoint/mappers/",
            "/pipelines/pinpoint/ids.py",
            "/pipelines/pinpoint/jsonapi.py",
            "/pipelines/pinpoint/privacy",
        ),
    ),
    ("Arrow tables (to_arrow, pyarrow)", ("/pipelines/pinpoint/tables.py", "/pyarrow/")),
    ("paging and windows (connector)", ("/pipelines/pinpoint/", "/pipelines/sync.py")),
    ("dlt extract", ("/dlt/extract/",)),
    ("dlt normalize", ("/dlt/normalize/",)),
    ("dlt load", ("/dlt/load/", "/dlt/destinations/")),
    ("dlt other (schema, state, config)", ("/dlt/",)),
    ("DuckDB", ("/duckdb/",)),
    (THREAD_WAIT, ("/threading.py", "/queue.py", "/concurrent/")),
    ("imports", ("<frozen importlib",)),
)
_SOCKET_BUILTINS = ("'recv", "'recv_into", "'send", "'sendall", "select.", "'poll", "'select'")
_LOCK_BUILTINS = ("'acquire' of '_thread", "_thread.lock", "'wait'")
_JSON_BUILTINS = ("_json.",)
GENERIC_MODULES = (
    "/typing.py",
    "/typing_extensions.py",
    "/copy.py",
    "/inspect.py",
    "/functools.py",
    "/abc.py",
    "/enum.py",
    "/dataclasses.py",
    "/contextlib.py",
    "/datetime.py",
    "/re/",
    "/_strptime.py",
    "/hashlib.py",
    "/base64.py",
    "/collections/",
    "<frozen _collections_abc>",
)
"""Helper modules whose time belongs to the caller, like that of built-in functions."""
_MAX_CALLER_DEPTH = 6


def category_of(key: FunctionKey) -> str | None:
    """Return the category of a function, or None when its time belongs to its caller."""
    path, _, name = key
    if path == "~":
        if any(marker in name for marker in _SOCKET_BUILTINS):
            return SOCKET_WAIT
        if any(marker in name for marker in _LOCK_BUILTINS):
            return THREAD_WAIT
        if any(marker in name for marker in _JSON_BUILTINS):
            return "JSON parsing"
        return None
    if path.endswith("/json/__init__.py"):
        return "JSON encoding" if name.startswith("dump") else "JSON parsing"
    if any(marker in path for marker in GENERIC_MODULES):
        return None
    for category, markers in PATH_CATEGORIES:
        if any(marker in path for marker in markers):
            return category
    return OTHER


def categorise(stats: pstats.Stats) -> dict[str, float]:
    """Return seconds of own time per category, largest first."""
    table: dict[FunctionKey, Any] = stats.stats  # type: ignore[attr-defined]
    totals: Counter[str] = Counter()
    for key, (_, _, own_seconds, _, callers) in table.items():
        category = category_of(key)
        if category is not None:
            totals[category] += own_seconds
            continue
        attributed = 0.0
        for caller, edge in callers.items():
            totals[_caller_category(table, caller)] += edge[2]
            attributed += edge[2]
        # Time of calls from outside any profiled function (thread entry points).
        totals[OTHER] += max(0.0, own_seconds - attributed)
    return {name: round(seconds, 3) for name, seconds in totals.most_common() if seconds > 0}


def top_functions(stats: pstats.Stats, count: int = 15) -> list[dict[str, Any]]:
    """Return the functions with the most own time, with their calls and category."""
    table: dict[FunctionKey, Any] = stats.stats  # type: ignore[attr-defined]
    ranked = sorted(table.items(), key=lambda item: item[1][2], reverse=True)[:count]
    rows = []
    for key, (_, calls, own_seconds, cumulative_seconds, callers) in ranked:
        category = category_of(key)
        if category is None and callers:
            heaviest_caller = max(callers.items(), key=lambda item: item[1][2])[0]
            category = _caller_category(table, heaviest_caller)
        rows.append(
            {
                "function": _describe(key),
                "calls": calls,
                "own_seconds": round(own_seconds, 3),
                "cumulative_seconds": round(cumulative_seconds, 3),
                "category": category or OTHER,
            }
        )
    return rows


def _caller_category(table: dict[FunctionKey, Any], caller: FunctionKey) -> str:
    """Return the category of ``caller``, following its heaviest callers up the stack
    while they are built-in or helper functions."""
    current = caller
    for _ in range(_MAX_CALLER_DEPTH):
        category = category_of(current)
        if category is not None:
            return category
        entry = table.get(current)
        if entry is None or not entry[4]:
            break
        current = max(entry[4].items(), key=lambda item: item[1][2])[0]
    return OTHER


def summarise(main_profile: Path, worker_profile: Path | None) -> dict[str, Any]:
    """Summarise the main thread's profile and, if present, the merged worker profiles."""
    main = pstats.Stats(str(main_profile))
    summary: dict[str, Any] = {
        "main_thread": {
            "categories": categorise(main),
            "top_functions": top_functions(main),
        }
    }
    if worker_profile is not None and worker_profile.exists():
        workers = pstats.Stats(str(worker_profile))
        summary["worker_threads"] = {
            "categories": categorise(workers),
            "top_functions": top_functions(workers, count=8),
        }
    return summary


def render_markdown(summary: dict[str, Any]) -> str:
    """Render a summary from ``summarise`` as Markdown tables."""
    lines: list[str] = []
    for part, title in (("main_thread", "Main thread"), ("worker_threads", "Worker threads")):
        if part not in summary:
            continue
        categories = summary[part]["categories"]
        total = sum(categories.values()) or 1.0
        lines += [f"#### {title}: own time by category", "", "| Category | Seconds | Share |"]
        lines.append("| --- | ---: | ---: |")
        for name, seconds in categories.items():
            lines.append(f"| {name} | {seconds:.2f} | {seconds / total:.0%} |")
        lines += ["", f"#### {title}: functions with the most own time", ""]
        lines.append("| Function | Calls | Own s | Cumulative s | Category |")
        lines.append("| --- | ---: | ---: | ---: | --- |")
        for row in summary[part]["top_functions"]:
            lines.append(
                f"| `{row['function']}` | {row['calls']} | {row['own_seconds']:.2f} "
                f"| {row['cumulative_seconds']:.2f} | {row['category']} |"
            )
        lines.append("")
    return "\n".join(lines)


def _describe(key: FunctionKey) -> str:
    path, line, name = key
    if path == "~":
        return name.replace("|", "/")
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif "/pipelines/" in path:
        path = "pipelines/" + path.split("/pipelines/", 1)[1]
    elif "/lib/python3" in path:
        # /usr/lib/python3.11/json/encoder.py becomes json/encoder.py
        path = path.split("/lib/python3", 1)[1].partition("/")[2]
    return f"{path}:{line} {name}"
