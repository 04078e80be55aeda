"""Deterministic sandbox data: ``SandboxConfig`` in, records of every type out.

The same seed and anchor give byte-identical data. The only randomness is one
``random.Random(seed)``, consumed in a fixed order: users, departments, locations, jobs
(with stages and questions), candidates and applications, then interviews.
"""

from __future__ import annotations

import gc
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from pipelines.sandbox.clock import SandboxClock
from pipelines.sandbox.generate_applications import build_people
from pipelines.sandbox.generate_context import GenerationContext
from pipelines.sandbox.generate_extras import ExtrasBuilder
from pipelines.sandbox.generate_interviews import build_interviews
from pipelines.sandbox.generate_jobs import (
    build_departments,
    build_jobs,
    build_locations,
    build_users,
)
from pipelines.sandbox.records import Record

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SandboxConfig:
    """Size and seed of the generated account.

    ``anchor`` is the end of the generated history, an aware datetime. By default it is
    the sandbox clock's time when the data is generated. Every generated ``created_at``
    and ``updated_at`` lies within the two years before it.

    NOTE: records are plain dicts, so memory grows with the size. Measured on CPython
    3.11 (x86-64 Linux): 300,000 applications, 200,000 candidates and 250 jobs took about
    10 s to generate and 1.3 GB of resident memory.
    """

    seed: int = 42
    jobs: int = 25
    candidates: int = 2000
    applications: int = 3000
    users: int = 30
    anchor: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("jobs", "candidates", "applications", "users"):
            value = getattr(self, name)
            if value < 0:
                raise ValueError(f"SandboxConfig.{name} must be 0 or more, got {value}")
        if self.applications and (self.jobs < 1 or self.candidates < 1):
            raise ValueError(
                "SandboxConfig needs at least one job and one candidate to generate "
                f"applications (jobs={self.jobs}, candidates={self.candidates})"
            )
        if self.anchor is not None and self.anchor.utcoffset() is None:
            raise ValueError(
                f"SandboxConfig.anchor must be timezone-aware, got {self.anchor.isoformat()}"
            )


@dataclass
class Dataset:
    """Generated records by type, each list in ascending id order."""

    anchor: datetime
    records: dict[str, list[Record]]

    def counts(self) -> dict[str, int]:
        return {type_name: len(records) for type_name, records in self.records.items()}


def generate_dataset(config: SandboxConfig, clock: SandboxClock | None = None) -> Dataset:
    """Generate every record for ``config``; ``clock`` supplies the default anchor."""
    started = time.perf_counter()
    anchor = config.anchor if config.anchor is not None else (clock or SandboxClock()).now()
    anchor = anchor.astimezone(UTC).replace(microsecond=0)

    # Generation allocates millions of objects but no reference cycles, so pausing the
    # cyclic garbage collector is safe. It cut 300,000 applications from 18 s to 10 s.
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        dataset = _build_dataset(config, anchor)
    finally:
        if collector_was_enabled:
            gc.enable()
    logger.info(
        "Generated sandbox data (seed %d) in %.1f s: %s",
        config.seed,
        time.perf_counter() - started,
        dataset.counts(),
    )
    return dataset


def _build_dataset(config: SandboxConfig, anchor: datetime) -> Dataset:
    context = GenerationContext(config.seed, anchor)
    users = build_users(context, config.users)
    departments = build_departments(context)
    locations = build_locations(context)
    jobs = build_jobs(context, config.jobs, users, departments, locations)
    people = build_people(context, jobs.plans, config.candidates, config.applications)
    interviews, interview_parts = build_interviews(context, people.interview_visits, users)

    records = {
        "users": users,
        "departments": departments,
        "locations": locations,
        "jobs": jobs.jobs,
        "stages": jobs.stages,
        "questions": jobs.questions,
        "candidates": people.candidates,
        "applications": people.applications,
        "interviews": interviews,
        "interview_parts": interview_parts,
    }
    ExtrasBuilder(config.seed, anchor, records).build()
    return Dataset(anchor=anchor, records=records)
