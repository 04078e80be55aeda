"""Turn benchmark phase records into target checks and a Markdown report.

A phase record is one measured phase of one path at one account size, for example the
connector's full sync at 100,000 applications. ``run.py`` writes the records, these
targets and the machine description to ``results.json``, and this Markdown to
``results.md``.
"""

from __future__ import annotations

from typing import Any

from benchmarks.profile_summary import render_markdown
from benchmarks.sampling import render_samples_markdown

MIN_THROUGHPUT_RATIO = 10.0
MAX_MEMORY_GROWTH = 0.20
MAX_DELTA_SHARE = 0.05
MAX_LIMITED_RATIO = 1.3
"""Rate-limited sync time over the minimum the limit allows (successful requests / rate)."""
MEMORY_GROWTH_SIZES = (100_000, 300_000)

PHASE_ORDER = ("full", "delta", "reports", "profile", "sampled", "unlimited", "limited")
PATH_ORDER = ("connector", "baseline")
DLT_STEPS = ("extract", "normalize", "load")


def find(
    records: list[dict[str, Any]], size: int, phase: str, path: str = "connector"
) -> dict[str, Any] | None:
    """Return the successful record of one phase, path and size, if there is one."""
    for record in records:
        if (
            record["size"] == size
            and record["phase"] == phase
            and record["path"] == path
            and record["status"] == "ok"
        ):
            return record
    return None


def evaluate_targets(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evaluate every target for which the records contain the needed phases."""
    targets: list[dict[str, Any]] = []
    sizes = sorted({record["size"] for record in records if record["phase"] == "full"})
    for size in sizes:
        connector = find(records, size, "full")
        baseline = find(records, size, "full", "baseline")
        if connector and baseline:
            ratio = connector["records_per_second"] / baseline["records_per_second"]
            targets.append(
                {
                    "target": f"full sync throughput, connector / baseline, {size:,} applications",
                    "measured": f"{ratio:.1f}x",
                    "goal": f">= {MIN_THROUGHPUT_RATIO:.0f}x",
                    "met": ratio >= MIN_THROUGHPUT_RATIO,
                }
            )
    small, large = MEMORY_GROWTH_SIZES
    before, after = find(records, small, "full"), find(records, large, "full")
    if before and after:
        growth = after["max_rss_bytes"] / before["max_rss_bytes"] - 1.0
        targets.append(
            {
                "target": f"connector peak RSS growth, {small:,} to {large:,} applications",
                "measured": f"{growth:+.0%}",
                "goal": f"< {MAX_MEMORY_GROWTH:+.0%}",
                "met": growth < MAX_MEMORY_GROWTH,
            }
        )
    for size in sizes:
        full, delta = find(records, size, "full"), find(records, size, "delta")
        if full and delta:
            share = delta["seconds"] / full["seconds"]
            targets.append(
                {
                    "target": f"delta sync (1% changed) / full sync time, {size:,} applications",
                    "measured": f"{share:.1%}",
                    "goal": f"< {MAX_DELTA_SHARE:.0%}",
                    "met": share < MAX_DELTA_SHARE,
                }
            )
    for record in sort_records(records):
        if record["phase"] == "limited" and record["status"] == "ok":
            targets.append(_limited_target(record))
    return targets


def _limited_target(record: dict[str, Any]) -> dict[str, Any]:
    details = record["details"]
    minimum = details["minimum_seconds"]
    ratio = record["seconds"] / minimum
    measured = (
        f"{ratio:.2f}x ({record['seconds']:.1f} s against {minimum:.1f} s, "
        f"{record['http_429']} answers 429"
    )
    unlimited = details.get("unlimited_seconds")
    if unlimited is not None:
        measured += f"; {unlimited:.1f} s without latency and limit"
    return {
        "target": f"rate-limited full sync time / minimum, {record['size']:,} applications, "
        f"pages of {record.get('page_size', 1000)}",
        "measured": measured + ")",
        "goal": f"<= {MAX_LIMITED_RATIO}x",
        "met": ratio <= MAX_LIMITED_RATIO,
    }


def render(results: dict[str, Any]) -> str:
    """Render the whole results document as Markdown."""
    machine = results["machine"]
    versions = ", ".join(f"{name} {version}" for name, version in results["versions"].items())
    source = results["source"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results['generated_at']} with `{results['command']}`.",
        "",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, "
        f"{machine['memory_gib']:.0f} GiB memory, {machine['system']}",
        f"- Python {machine['python']}; {versions}",
        f"- Source: commit {source['commit']}, {source['changed_files']} changed files "
        f"under pipelines/ not committed, digest of pipelines/ {source['pipelines_digest']}",
        "",
        "## Phases",
        "",
        render_phase_table(results["records"]),
        *_digest_warning(results),
        "",
        "## Targets",
        "",
        "| Target | Measured | Goal | Met |",
        "| --- | --- | --- | --- |",
    ]
    for target in results["targets"]:
        met = {True: "yes", False: "no", None: "n/a"}[target["met"]]
        lines.append(f"| {target['target']} | {target['measured']} | {target['goal']} | {met} |")
    limited = render_limited_table(results["records"])
    if limited:
        lines += ["", "## Rate-limited syncs", "", limited]
    lines += ["", "## dlt steps: seconds and peak RSS", "", render_step_table(results["records"])]
    profile, sampled = results.get("profile"), results.get("sampled_profile")
    if sampled:
        lines += [
            "",
            f"## Where the GIL goes in one full sync (py-spy, {sampled['size']:,} applications)",
            "",
            render_samples_markdown(sampled),
        ]
    if profile:
        lines += [
            "",
            f"## cProfile of one full sync ({profile['size']:,} applications)",
            "",
            "cProfile adds a cost to every Python call, so code that makes many small calls "
            "(the mappers) looks more expensive here than it is; the seconds are those of "
            "the profiled run.",
            "",
            render_markdown(profile),
        ]
    return "\n".join(lines) + "\n"


def _digest_warning(results: dict[str, Any]) -> list[str]:
    """Return a warning line when the merged records were measured on different code."""
    digests = {record.get("pipelines_digest") for record in results["records"]}
    if len(digests) <= 1:
        return []
    return [
        "",
        f"NOTE: these records were measured on {len(digests)} different versions of "
        "pipelines/ (see pipelines_digest in results.json), so compare them with care.",
    ]


def render_phase_table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| Applications | Phase | Path | Records | Seconds | Records/s | Requests | 429s "
        "| Peak RSS MiB | CPU s | Sandbox CPU s | Load | Status |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for record in sort_records(records):
        if record["status"] != "ok":
            reason = record.get("error", "")
            lines.append(
                f"| {record['size']:,} | {phase_label(record)} | {record['path']} "
                f"| | | | | | | | | | {record['status']}: {reason} |"
            )
            continue
        lines.append(
            f"| {record['size']:,} | {phase_label(record)} | {record['path']} "
            f"| {record['records']:,} | {record['seconds']:.2f} "
            f"| {record['records_per_second']:,.0f} | {record['requests']:,} "
            f"| {record['http_429']} | {record['max_rss_bytes'] / 2**20:,.0f} "
            f"| {record['cpu_seconds']:.2f} | {record['sandbox_cpu_seconds']:.2f} "
            f"| {_load(record)} | ok |"
        )
    return "\n".join(lines)


def phase_label(record: dict[str, Any]) -> str:
    """Return the phase name, with the page size for phases that record one."""
    page_size = record.get("page_size")
    return f"{record['phase']}, pages of {page_size}" if page_size else record["phase"]


def render_limited_table(records: list[dict[str, Any]]) -> str:
    """Render the rate-limited syncs next to the same syncs without latency and limit.

    Returns an empty string when no rate-limited sync succeeded.
    """
    limited = [
        record
        for record in sort_records(records)
        if record["phase"] == "limited" and record["status"] == "ok"
    ]
    if not limited:
        return ""
    first = limited[0]["details"]
    lines = [
        f"Sandbox latency {first['latency_seconds'] * 1000:.0f} ms per request, "
        f"{first['requests_per_second']:g} requests per second, burst {first['burst']}. "
        "The minimum is the successful requests divided by that rate. The unlimited "
        "time is the same sync without latency and limit, the connector's own work.",
        "",
        "| Applications | Page size | Requests | 429s | Seconds | Minimum s "
        "| Ratio to minimum | Unlimited s | Load |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for record in limited:
        details = record["details"]
        unlimited = details.get("unlimited_seconds")
        lines.append(
            f"| {record['size']:,} | {record.get('page_size', 1000)} | {record['requests']:,} "
            f"| {record['http_429']} | {record['seconds']:.2f} "
            f"| {details['minimum_seconds']:.2f} "
            f"| {record['seconds'] / details['minimum_seconds']:.2f} "
            f"| {'' if unlimited is None else f'{unlimited:.2f}'} | {_load(record)} |"
        )
    return "\n".join(lines)


def _load(record: dict[str, Any]) -> str:
    load = record.get("load_average")
    return f"{load[0]:.1f} to {load[1]:.1f}" if load else ""


def render_step_table(records: list[dict[str, Any]]) -> str:
    lines = [
        "| Applications | Phase | Path | Extract s | Normalize s | Load s "
        "| Extract peak MiB | Normalize peak MiB | Load peak MiB |",
        "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for record in sort_records(records):
        details = record.get("details", {})
        steps = details.get("dlt_steps")
        if record["status"] != "ok" or not steps:
            continue
        peaks = details.get("peak_rss_by_step", {})
        seconds = " | ".join(f"{steps.get(step, 0.0):.2f}" for step in DLT_STEPS)
        memory = " | ".join(
            f"{peaks[step] / 2**20:,.0f}" if step in peaks else "" for step in DLT_STEPS
        )
        lines.append(
            f"| {record['size']:,} | {phase_label(record)} | {record['path']} "
            f"| {seconds} | {memory} |"
        )
    return "\n".join(lines)


def sort_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def key(record: dict[str, Any]) -> tuple[int, int, int, int]:
        phase = record["phase"]
        path = record["path"]
        return (
            record["size"],
            PHASE_ORDER.index(phase) if phase in PHASE_ORDER else len(PHASE_ORDER),
            PATH_ORDER.index(path) if path in PATH_ORDER else len(PATH_ORDER),
            # Larger pages first, so the default of 1000 leads.
            -record.get("page_size", 1000),
        )

    return sorted(records, key=key)
