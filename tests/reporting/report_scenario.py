"""A hand-built recruiting history whose report values are worked out by hand.

There are two jobs. "Platform Engineer" has eleven applications that cover a skipped
stage, a backward move, a re-entered stage, a hire, a rejection from every funnel stage,
stage changes at the same instant and a stalled application. "Data Analyst" has no
applications. Four syncs (S1 to S4) see the applications as they stood at that time.
Stage ids sort in another order than the stages, so a report that orders visits by id
instead of by observation gets them wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.pinpoint.mappers.applications import application_outcome
from pipelines.pinpoint.tables import to_arrow
from pipelines.reporting import build_reports
from pipelines.sync import make_pipeline

DATASET = "pinpoint"
REPORTS_SCHEMA = "pinpoint_reports"


def at(text: str) -> datetime:
    """Parse '2025-03-01 02:00' as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


CREATED = at("2025-02-25 00:00")
S1 = at("2025-02-26 12:00")
S2 = at("2025-03-03 12:00")
S3 = at("2025-03-10 12:00")  # after the US switch to daylight saving time on 2025-03-09
S4 = at("2025-03-12 12:00")
SYNCS = (S1, S2, S3, S4)
SAME_INSTANT = at("2025-03-02 10:00")

PLATFORM = "job-platform"
ANALYST = "job-analyst"

# (stage id, name, type) in Pinpoint's order; the rejected stage comes first here.
PLATFORM_STAGES = (
    ("j1-rejected", "Rejected", "rejected"),
    ("j1-applied", "Applied", "applied"),
    ("j1-screen", "Screen", "review"),
    ("j1-interview", "Interview", "interview"),
    ("j1-offer", "Offer", "offer"),
    ("j1-hired", "Hired", "hired"),
)
ANALYST_STAGES = (
    ("j2-applied", "Applied", "applied"),
    ("j2-review", "Review", "review"),
    ("j2-hired", "Hired", "hired"),
    ("j2-rejected", "Rejected", "rejected"),
)
STAGE_TYPES = {stage_id: kind for stage_id, _, kind in PLATFORM_STAGES + ANALYST_STAGES}
FUNNEL_ORDER = ["j1-applied", "j1-screen", "j1-interview", "j1-offer", "j1-hired"]


@dataclass(frozen=True)
class Move:
    """A stage change: Pinpoint's updated_at, the new stage and the first sync that reads it."""

    updated_at: datetime
    stage_id: str
    hired_at: datetime | None
    rejected_at: datetime | None
    seen_from: datetime


@dataclass
class Application:
    """One application: its fixed facts and the stage changes it goes through."""

    id: str
    source: str | None
    created_at: datetime = CREATED
    candidate_id: str = ""
    moves: list[Move] = field(default_factory=list)

    def move(
        self,
        moment: str | datetime,
        stage_id: str,
        *,
        hired_at: datetime | None = None,
        rejected_at: datetime | None = None,
        seen_from: datetime | None = None,
    ) -> Application:
        when = at(moment) if isinstance(moment, str) else moment
        self.moves.append(Move(when, stage_id, hired_at, rejected_at, seen_from or when))
        return self

    def row_at(self, moment: datetime) -> dict[str, Any]:
        """Return the applications row as a sync at `moment` reads it."""
        seen = [move for move in self.moves if move.seen_from <= moment]
        latest = seen[-1]
        funnel_stages = [move.stage_id for move in seen if move.stage_id in FUNNEL_ORDER]
        furthest = max(funnel_stages, key=FUNNEL_ORDER.index) if funnel_stages else None
        return {
            "id": self.id,
            "remote_id": self.id,
            "outcome": application_outcome(
                STAGE_TYPES[latest.stage_id],
                latest.hired_at is not None,
                latest.rejected_at is not None,
            ),
            "current_stage_id": latest.stage_id,
            "job_id": PLATFORM,
            "candidate_id": self.candidate_id or f"candidate-{self.id}",
            "remote_created_at": self.created_at,
            "remote_updated_at": latest.updated_at,
            "furthest_stage_id": furthest,
            "rejected_at": latest.rejected_at,
            "hired_at": latest.hired_at,
            "source": self.source,
            "concealed": False,
            "changed_at": latest.updated_at,
        }


def build_applications() -> list[Application]:
    applied = "j1-applied"

    def new(application_id: str, source: str | None, **options: Any) -> Application:
        application = Application(application_id, source, **options)
        return application.move(application.created_at, applied)

    return [
        new("a01-skip", "LinkedIn").move("2025-02-28 09:00", "j1-interview"),
        new("a02-backward", "Indeed", candidate_id="candidate-twice")
        .move("2025-03-02 00:00", "j1-interview")
        .move("2025-03-10 00:00", "j1-screen"),
        new("a03-reentered", "Indeed", candidate_id="candidate-twice")
        .move("2025-02-27 00:00", "j1-screen")
        .move("2025-03-05 00:00", applied)
        .move("2025-03-11 00:00", "j1-screen"),
        new("a04-hired", "Careers page")
        .move("2025-02-26 06:00", "j1-offer")
        .move("2025-03-01 02:00", "j1-hired", hired_at=at("2025-03-01 02:00")),
        new("a05-rejected-applied", "LinkedIn").move(
            "2025-02-26 00:00", "j1-rejected", rejected_at=at("2025-02-26 00:00")
        ),
        new("a06-rejected-screen", "LinkedIn")
        .move("2025-02-25 12:00", "j1-screen")
        .move("2025-03-01 00:00", "j1-rejected", rejected_at=at("2025-03-01 00:00")),
        new("a07-rejected-interview", "Employee referral")
        .move("2025-02-25 06:00", "j1-interview")
        .move("2025-02-26 00:00", "j1-rejected", rejected_at=at("2025-02-26 00:00")),
        new("a08-rejected-offer", None)
        .move("2025-02-26 00:00", "j1-interview")
        .move("2025-03-01 00:00", "j1-offer")
        .move("2025-03-02 00:00", "j1-rejected", rejected_at=at("2025-03-02 00:00")),
        new("a09-rejected-hired", "Careers page")
        .move("2025-02-26 00:00", "j1-hired", hired_at=at("2025-02-26 00:00"))
        .move("2025-03-04 00:00", "j1-rejected", rejected_at=at("2025-03-04 00:00")),
        # Pinpoint stamps three moves with the same updated_at; each reaches another sync.
        new("a10-same-instant", "Glassdoor")
        .move(SAME_INSTANT, "j1-screen", seen_from=S2)
        .move(SAME_INSTANT, "j1-interview", seen_from=S3)
        .move(SAME_INSTANT, "j1-offer", seen_from=S4),
        new("a11-stalled", "Indeed", created_at=at("2025-01-10 00:00")).move(
            "2025-01-20 00:00", "j1-screen"
        ),
    ]


def visible_rows(applications: list[Application], moment: datetime) -> list[dict[str, Any]]:
    return [application.row_at(moment) for application in applications]


def static_tables() -> dict[str, list[Mapping[str, Any]]]:
    """Jobs, stages and interviews, which do not change between the syncs."""
    jobs = [
        _job(PLATFORM, "Platform Engineer", at("2025-02-01 00:00"), headcount=1),
        _job(ANALYST, "Data Analyst", at("2025-03-01 00:00"), headcount=2),
    ]
    stages: list[Mapping[str, Any]] = []
    job_stages: list[Mapping[str, Any]] = []
    for job_id, job_stage_list in ((PLATFORM, PLATFORM_STAGES), (ANALYST, ANALYST_STAGES)):
        for index, (stage_id, name, kind) in enumerate(job_stage_list):
            stages.append(
                {"id": stage_id, "name": name, "stage_type": kind, "job_id": job_id, **_STAMP}
            )
            job_stages.append(
                {"id": f"link-{stage_id}", "index": index, "job_id": job_id, "stage_id": stage_id}
                | _STAMP
            )
    interviews = [
        _interview("i1", "a01-skip", at("2025-03-01 10:00")),
        _interview("i2", "a02-backward", at("2025-03-03 10:00")),
        _interview("i3", "a08-rejected-offer", at("2025-02-27 10:00")),
        _interview("i4", "a10-same-instant", at("2025-03-20 10:00")),
    ]
    return {
        "jobs": jobs,
        "application_stages": stages,
        "job_application_stages": job_stages,
        "interviews": interviews,
    }


_STAMP = {"changed_at": CREATED}


def _job(job_id: str, name: str, opened_at: datetime, *, headcount: int) -> dict[str, Any]:
    return {
        "id": job_id,
        "remote_id": job_id,
        "name": name,
        "status": "OPEN",
        "department": "Engineering",
        "opened_at": opened_at,
        "headcount": headcount,
        **_STAMP,
    }


def _interview(interview_id: str, application_id: str, starting_at: datetime) -> dict[str, Any]:
    return {
        "id": interview_id,
        "title": "Interview",
        "starting_at": starting_at,
        "application_id": application_id,
        "stage_id": "j1-interview",
        **_STAMP,
    }


class ReportWarehouse:
    """A DuckDB file with the hand-built tables and a dlt pipeline that builds reports."""

    def __init__(self, folder: Path, time_zone: str = "UTC") -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "reports.duckdb"
        credentials = DuckDbCredentials(str(self.path), session_timezone=time_zone)
        self.pipeline: dlt.Pipeline = make_pipeline(
            destination=dlt.destinations.duckdb(credentials),
            pipeline_name="pinpoint_reports_test",
            pipelines_dir=folder / "pipelines",
        )
        self.applications = build_applications()
        with duckdb.connect(str(self.path)) as connection:
            connection.execute(f"create schema if not exists {DATASET}")
            for table, rows in static_tables().items():
                _replace_table(connection, table, rows)

    def sync(self, moment: datetime) -> list[str]:
        """Load the applications as they stood at `moment` and build the reports as of it."""
        with duckdb.connect(str(self.path)) as connection:
            _replace_table(connection, "applications", visible_rows(self.applications, moment))
        return build_reports(self.pipeline, as_of=moment)

    def sync_all(self) -> None:
        for moment in SYNCS:
            self.sync(moment)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            return connection.execute(sql).fetchall()

    def records(self, sql: str) -> list[dict[str, Any]]:
        with duckdb.connect(str(self.path), read_only=True) as connection:
            cursor = connection.execute(sql)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _replace_table(
    connection: duckdb.DuckDBPyConnection, table: str, rows: list[Mapping[str, Any]]
) -> None:
    arrow_rows = to_arrow(table, rows)  # noqa: F841 - read by DuckDB's replacement scan
    connection.execute(f"create or replace table {DATASET}.{table} as select * from arrow_rows")
