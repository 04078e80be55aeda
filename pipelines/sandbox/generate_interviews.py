"""Generate interviews and interview parts for applications that reached an interview stage.

About one application in three that reached an interview stage has an interview record.
Interviews take place during working hours, one to six days after the application
entered the stage. Interviews that start after the anchor
are still ``scheduled`` and have no presence yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from pipelines.sandbox.generate_applications import InterviewVisit
from pipelines.sandbox.generate_context import DAY, GenerationContext
from pipelines.sandbox.records import Record
from pipelines.sandbox.vocabulary import CONFERENCING, INTERVIEW_SUMMARIES

INTERVIEW_PROBABILITY = 0.27
"""Chance that a stay in an interview stage produced an interview record. Applications
that reached an interview stage average about 1.2 such stays, so this gives roughly one
interview per three of them."""

COMPANY_ID = 1


class _PlannedInterview(NamedTuple):
    visit: InterviewVisit
    created_at: datetime
    start_at: datetime
    end_at: datetime
    status: str
    presence: str | None
    summary: str | None
    updated_at: datetime
    part_count: int


def build_interviews(
    context: GenerationContext, visits: list[InterviewVisit], users: list[Record]
) -> tuple[list[Record], list[Record]]:
    """Return the interview records and their interview part records, ids in creation order."""
    planned = [
        _plan_interview(context, visit) for visit in visits if context.chance(INTERVIEW_PROBABILITY)
    ]
    planned.sort(key=lambda interview: interview.created_at)

    interviews: list[Record] = []
    parts: list[Record] = []
    for number, plan in enumerate(planned, start=1):
        interview_id = str(number)
        part_refs = []
        for position in range(1, plan.part_count + 1):
            part = _build_part(context, str(len(parts) + 1), interview_id, position, plan, users)
            parts.append(part)
            part_refs.append(part.ref)
        attributes = {
            "start_at": plan.start_at,
            "end_at": plan.end_at,
            "status": plan.status,
            "presence": plan.presence,
            "interviewable_type": "Application",
            "interviewable_id": int(plan.visit.application_id),
            "summary": plan.summary,
            "created_at": plan.created_at,
            "updated_at": plan.updated_at,
        }
        interviews.append(
            Record(
                "interviews",
                interview_id,
                attributes,
                relationships={
                    "stage": ("stages", plan.visit.stage_id),
                    "interview_parts": part_refs,
                    "interviewable": ("applications", plan.visit.application_id),
                },
            )
        )
    return interviews, parts


def _plan_interview(context: GenerationContext, visit: InterviewVisit) -> _PlannedInterview:
    entered = visit.entered_at
    # Booked within six hours of entering the stage, so always before the start time,
    # which is at 09:00 or later on a following day.
    created = context.after(entered, 600, 6 * 3600)
    start_day = entered + timedelta(days=context.integer(1, 6))
    start = start_day.replace(hour=context.integer(9, 16), minute=context.item((0, 30)), second=0)
    end = start + timedelta(minutes=context.item((30, 45, 60, 90)))

    summary = None
    if start > context.anchor:
        status, presence, updated = "scheduled", None, created
    elif context.chance(0.05):
        status, presence = "cancelled", None
        updated = context.between(created, min(start, context.anchor))
    else:
        status = "completed"
        presence = "attended" if context.chance(0.92) else "no_show"
        updated = context.after(end, 0, 2 * DAY)
        if presence == "attended" and context.chance(0.3):
            summary = context.item(INTERVIEW_SUMMARIES)
    part_count = 2 if context.chance(0.2) else 1
    return _PlannedInterview(
        visit, created, start, end, status, presence, summary, updated, part_count
    )


def _build_part(
    context: GenerationContext,
    part_id: str,
    interview_id: str,
    position: int,
    plan: _PlannedInterview,
    users: list[Record],
) -> Record:
    rng = context.rng
    provider, url_prefix = context.item(CONFERENCING)
    join_url = f"{url_prefix}{rng.randrange(10**9, 10**10)}" if url_prefix else None
    interviewer_count = min(len(users), context.integer(1, 3))
    interviewers = [user.ref for user in rng.sample(users, interviewer_count)]
    attributes = {
        "position": position,
        "conferencing_provider_name": provider,
        "conferencing_join_url": join_url,
        "interview_id": int(interview_id),
        "company_id": COMPANY_ID,
        "created_at": plan.created_at,
        "updated_at": plan.updated_at,
    }
    return Record(
        "interview_parts",
        part_id,
        attributes,
        relationships={"interviewing_users": interviewers},
    )
