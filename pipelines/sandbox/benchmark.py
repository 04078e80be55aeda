"""Measure the sandbox at scale: generation time, memory and paging speed.

Run ``python -m pipelines.sandbox.benchmark --applications 300000``. It generates the
account and starts the server on 127.0.0.1. Then it reads every application the way the
connector does: page 1 of ``sort=updated_at,id`` with a moving lower bound, 1,000 rows a
page, ``include=stage,furthest_stage`` and tags as an extra field. Last it reads them
again with plain offset pages. Resident memory is read from ``/proc/self/status`` on
Linux. The client runs in the same process, as in the connector's tests.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson

from pipelines.sandbox.generate import SandboxConfig, generate_dataset
from pipelines.sandbox.server import run_sandbox

ALL_VISIBILITIES = "internal,external,confidential,private_job"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=300_000)
    parser.add_argument("--candidates", type=int)
    parser.add_argument("--jobs", type=int, default=250)
    parser.add_argument("--page-size", type=int, default=1000)
    arguments = parser.parse_args()
    candidates = arguments.candidates or arguments.applications * 2 // 3
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(
        jobs=arguments.jobs,
        candidates=candidates,
        applications=arguments.applications,
        users=60,
        anchor=anchor,
    )

    started = time.perf_counter()
    generate_dataset(config)
    print(f"generation alone: {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    with run_sandbox(config) as sandbox:
        print(f"start (generation and store): {time.perf_counter() - started:.1f} s")
        print(f"resident memory: {_resident_megabytes():.0f} MB (peak {_peak_megabytes():.0f} MB)")
        headers = {"X-API-KEY": sandbox.api_key}
        with httpx.Client(base_url=sandbox.base_url, headers=headers, timeout=60) as client:
            seconds, rows = _read_keyset(client, arguments.page_size)
            print(f"keyset read: {rows} applications in {seconds:.1f} s")
            seconds, rows = _read_offset(client, arguments.page_size)
            print(f"offset read: {rows} applications in {seconds:.1f} s")
        print(f"resident memory after reads: {_resident_megabytes():.0f} MB")


def _read_keyset(client: httpx.Client, page_size: int) -> tuple[float, int]:
    started = time.perf_counter()
    rows = 0
    lower = None
    while True:
        params = {
            "filter[job_visibility]": ALL_VISIBILITIES,
            "include": "stage,furthest_stage",
            "extra_fields[applications]": "tags",
            "sort": "updated_at,id",
            "page[number]": "1",
            "page[size]": str(page_size),
        }
        if lower is not None:
            params["filter[updated_at][gt]"] = lower
        data = _data(client.get("/applications", params=params))
        if len(data) < page_size:
            rows += len(data)
            return time.perf_counter() - started, rows
        last = data[-1]["attributes"]["updated_at"]
        complete = [row for row in data if row["attributes"]["updated_at"] < last]
        rows += len(complete)
        if not complete:
            raise RuntimeError(
                f"more than {page_size} applications share one updated_at second; "
                "run again with a larger --page-size"
            )
        lower = complete[-1]["attributes"]["updated_at"]


def _read_offset(client: httpx.Client, page_size: int) -> tuple[float, int]:
    started = time.perf_counter()
    rows = 0
    for number in range(1, 10_000):
        params = {
            "filter[job_visibility]": ALL_VISIBILITIES,
            "include": "stage,furthest_stage",
            "page[number]": str(number),
            "page[size]": str(page_size),
        }
        data = _data(client.get("/applications", params=params))
        rows += len(data)
        if len(data) < page_size:
            break
    return time.perf_counter() - started, rows


def _data(response: httpx.Response) -> list[dict[str, Any]]:
    """Parse with orjson, so the client's parsing (which runs in this same process and
    competes for the interpreter lock) weighs on the measurement as little as possible."""
    response.raise_for_status()
    data: list[dict[str, Any]] = orjson.loads(response.content)["data"]
    return data


def _resident_megabytes() -> float:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def _peak_megabytes() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
