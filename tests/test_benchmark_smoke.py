"""Smoke test of the benchmark: every phase at 300 applications, with no timing checks."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SIZE = 300


@dataclass
class BenchmarkRun:
    completed: subprocess.CompletedProcess[str]
    results: Any
    output_dir: Path


LIMITED_PAGE_SIZES = (1000, 50)
EXPECTED_PHASES = {
    ("full", "connector", None),
    ("full", "baseline", None),
    ("profile", "connector", None),
    ("delta", "connector", None),
    ("delta", "baseline", None),
    ("reports", "connector", None),
    *(
        (phase, "connector", page_size)
        for phase in ("unlimited", "limited")
        for page_size in LIMITED_PAGE_SIZES
    ),
}


@pytest.fixture(scope="module")
def benchmark(tmp_path_factory: pytest.TempPathFactory) -> BenchmarkRun:
    """Run the small benchmark once for every test in this module."""
    folder = tmp_path_factory.mktemp("benchmark")
    output_dir, work_dir = folder / "results", folder / "work"
    command = [
        sys.executable,
        "benchmarks/run.py",
        f"--sizes={SIZE}",
        f"--profile-size={SIZE}",
        f"--limited-size={SIZE}",
        f"--limited-page-sizes={','.join(map(str, LIMITED_PAGE_SIZES))}",
        f"--output-dir={output_dir}",
        f"--work-dir={work_dir}",
        "--phase-timeout=120",
    ]
    completed = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    results_path = output_dir / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else None
    return BenchmarkRun(completed, results, output_dir)


def phase_records(
    benchmark: BenchmarkRun,
) -> dict[tuple[str, str, int | None], dict[str, Any]]:
    """Return the records by phase, path and page size (None where none is recorded)."""
    assert benchmark.results is not None, (
        f"benchmarks/run.py wrote no results.json: {benchmark.completed.stderr[-3000:]}"
    )
    return {
        (record["phase"], record["path"], record.get("page_size")): record
        for record in benchmark.results["records"]
    }


def test_benchmark_runs_every_phase(benchmark: BenchmarkRun) -> None:
    records = phase_records(benchmark)
    results = benchmark.results

    assert benchmark.completed.returncode == 0, benchmark.completed.stderr[-3000:]
    assert (benchmark.output_dir / "results.md").exists()
    # The py-spy run is skipped, with the reason, when py-spy is not installed.
    sampled = records.pop(("sampled", "connector", None))
    assert sampled["status"] in ("ok", "skipped"), sampled.get("error")
    assert set(records) == EXPECTED_PHASES
    for key, record in records.items():
        assert record["size"] == SIZE, key
        assert record["status"] == "ok", f"{key}: {record.get('error')}"
        assert record["seconds"] > 0, key
        assert record["max_rss_bytes"] > 0, key
        assert record["records"] > 0, key
    for key in EXPECTED_PHASES - {("reports", "connector", None)}:
        assert records[key]["requests"] > 0, f"{key} made no requests"

    assert results["profile"]["main_thread"]["categories"], "the profile has no categories"
    assert results["targets"], "no target could be evaluated"
    for page_size in LIMITED_PAGE_SIZES:
        limited = records[("limited", "connector", page_size)]["details"]
        assert limited["minimum_seconds"] > 0, page_size
        assert limited["unlimited_seconds"] > 0, page_size
    assert "## Rate-limited syncs" in (benchmark.output_dir / "results.md").read_text()


def test_benchmark_sync_paths_load_every_record(benchmark: BenchmarkRun) -> None:
    records = phase_records(benchmark)

    for path in ("connector", "baseline"):
        full = records[("full", path, None)]
        for table, pair in full["checks"].items():
            assert pair["loaded"] == pair["expected"], f"{path} full sync, {table}: {pair}"
        assert full["checks"]["applications"]["loaded"] == SIZE

        delta = records[("delta", path, None)]
        for table, pair in delta["checks"].items():
            assert pair["loaded"] == pair["expected"], f"{path} delta sync, {table}: {pair}"
        assert delta["checks"]["applications written"]["loaded"] >= 1

    reports = records[("reports", "connector", None)]["checks"]["reports built"]
    for page_size in LIMITED_PAGE_SIZES:
        for phase in ("unlimited", "limited"):
            checks = records[(phase, "connector", page_size)]["checks"]
            for table, pair in checks.items():
                assert pair["loaded"] == pair["expected"], f"{phase} {page_size}, {table}: {pair}"
    assert reports["loaded"] == reports["expected"]


@pytest.mark.parametrize(
    "option",
    [
        "--limited-rate=0",
        "--limited-rate=nan",
        "--limited-burst=0",
        "--limited-latency=-1",
        "--phase-timeout=-1",
        "--max-phase-rss-gib=0",
    ],
)
def test_invalid_option_rejected_up_front(option: str) -> None:
    completed = subprocess.run(
        [sys.executable, "benchmarks/run.py", option, "--sizes", "300"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 2
    assert option.split("=")[0] in completed.stderr
    assert "Traceback" not in completed.stderr
