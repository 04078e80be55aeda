"""Generate candidates and their applications, moving each application through its job's stages.

Applications are spread over the open windows of the jobs, numbered in the order they were
created, and walked stage by stage with a fixed chance of advancing from each stage type.
Older applications that stopped advancing are mostly rejected; applications of closed
jobs are almost all rejected or hired. Rejected applications keep the stage they were
rejected from as ``furthest_stage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple

from pipelines.sandbox.files import GENERATED_COVER_LETTER, GENERATED_CV, GeneratedAttachment
from pipelines.sandbox.generate_context import DAY, GenerationContext, WeightedChoice
from pipelines.sandbox.generate_jobs import JobPlan
from pipelines.sandbox.generate_people import Person, build_candidate, new_person
from pipelines.sandbox.records import Record, shared_tags
from pipelines.sandbox.vocabulary import (
    AGENCIES,
    AGENCY_PLACEHOLDER,
    CHANNELS,
    REJECTION_REASONS,
)

ADVANCE_PROBABILITY = {"applied": 0.5, "review": 0.6, "interview": 0.5, "offer": 0.55}
"""Chance that an application moves on from a stage of each basic_type."""

_CHANNELS = WeightedChoice([(c, s) for c, s, _ in CHANNELS], [w for _, _, w in CHANNELS])


class InterviewVisit(NamedTuple):
    """An application's stay in an interview-type stage, for the interview generator."""

    application_id: str
    stage_id: str
    entered_at: datetime


@dataclass
class PeopleResult:
    candidates: list[Record]
    applications: list[Record]
    interview_visits: list[InterviewVisit] = field(default_factory=list)


def build_people(
    context: GenerationContext,
    plans: list[JobPlan],
    candidate_count: int,
    application_count: int,
) -> PeopleResult:
    """Build exactly ``candidate_count`` candidates and ``application_count`` applications.

    When there are fewer candidates than applications, some candidates apply more than
    once. When there are more, the rest have no application, like talent pool entries.
    """
    rng = context.rng
    open_plans: list[JobPlan] = []
    windows: list[tuple[datetime, datetime]] = []
    for plan in plans:
        if plan.opened_at is not None and plan.window_end > plan.opened_at:
            open_plans.append(plan)
            windows.append((plan.opened_at, plan.window_end))
    if application_count and not open_plans:
        raise ValueError("cannot generate applications: no generated job was ever opened")

    # Each application gets a job, weighted by how long the job was open and a random
    # popularity, and a creation time inside that job's open window.
    slots: list[tuple[datetime, int]] = []
    if open_plans:
        weights = [(end - start).total_seconds() * rng.uniform(0.5, 2.0) for start, end in windows]
        job_choice = WeightedChoice(range(len(open_plans)), weights)
        for _ in range(application_count):
            index = job_choice.pick(rng)
            slots.append((context.between(*windows[index]), index))
    slots.sort()

    people: list[Person] = []
    applicants: list[Person] = []
    if candidate_count >= application_count:
        first_applications = set(range(application_count))
    else:
        first_applications = {0, *rng.sample(range(1, application_count), candidate_count - 1)}
    for number, (created, _) in enumerate(slots):
        if number in first_applications:
            person = new_person(context, created)
            people.append(person)
        else:
            person = people[context.integer(0, len(people) - 1)]
        applicants.append(person)
    for _ in range(candidate_count - len(people)):
        people.append(new_person(context, context.between(context.start, context.anchor)))

    people.sort(key=lambda p: p.created_at)
    for number, person in enumerate(people, start=1):
        person.assign_id(str(number))

    result = PeopleResult(candidates=[], applications=[])
    for number, ((created, index), person) in enumerate(zip(slots, applicants, strict=True), 1):
        application = _build_application(
            context, str(number), created, open_plans[index], person, result.interview_visits
        )
        person.application_ids.append(application.id)
        person.last_activity = max(person.last_activity, created)
        result.applications.append(application)

    result.candidates = [build_candidate(context, person) for person in people]
    return result


def _build_application(
    context: GenerationContext,
    application_id: str,
    created: datetime,
    plan: JobPlan,
    person: Person,
    interview_visits: list[InterviewVisit],
) -> Record:
    rng = context.rng
    pipeline = plan.pipeline
    reached = 0
    moment = created
    for step in range(len(pipeline) - 1):
        if rng.random() >= ADVANCE_PROBABILITY[pipeline[step].basic_type]:
            break
        following = moment + timedelta(seconds=context.integer(DAY // 2, 12 * DAY))
        if following > context.anchor:
            break
        reached, moment = step + 1, following
        if pipeline[reached].basic_type == "interview":
            interview_visits.append(InterviewVisit(application_id, pipeline[reached].id, moment))

    furthest = pipeline[reached]
    hired_at = moment if furthest.basic_type == "hired" else None
    rejected_at = None
    if hired_at is None:
        idle = context.anchor - moment
        if plan.closed:
            reject_probability = 0.97
        elif idle > timedelta(days=45):
            reject_probability = 0.9
        else:
            reject_probability = 0.35
        if context.chance(reject_probability):
            rejected_at = context.after(moment, 3600, 15 * DAY)
    current = plan.rejected_stage if rejected_at is not None else furthest
    assert current is not None

    updated = rejected_at or moment
    if context.chance(0.1):
        updated = context.between(updated, context.anchor)

    channel, channel_source = _CHANNELS.pick(rng)
    if channel_source == AGENCY_PLACEHOLDER:
        channel_source = context.item(AGENCIES)
    uuid = context.uuid4()
    # Blind screening is applied when rendering, so the stored record keeps the details.
    attributes = _personal_fields(person)
    summary = "Experienced professional open to new roles." if context.chance(0.1) else None
    attributes.update(
        {
            "summary": summary,
            "preferred_pronouns": None,
            "channel": channel,
            "channel_source": channel_source,
            "candidate_id": person.id,
            "job_id": plan.id,
            "job_posting_id": None,
            "stage_id": current.id,
            "internal_candidate": context.chance(0.02),
            "concealed": plan.blind_screening,
            "is_demo": False,
            "national_identifier": None,
            "external_system_reference": f"legacy-ats-{int(application_id):06d}"
            if context.chance(0.05)
            else None,
            "hired_at": hired_at,
            "rejected_at": rejected_at,
            "start_on": _start_date(context, hired_at),
            "ai_score": None,
            "uuid": uuid,
            "created_at": created,
            "updated_at": updated,
        }
    )
    pairs = []
    if rejected_at is not None and context.chance(0.85):
        pairs.append(("rejection", context.item(REJECTION_REASONS)))
    if context.chance(0.1):
        pairs.append(("custom_green", "Strong portfolio"))
    return Record(
        "applications",
        application_id,
        attributes,
        relationships={
            "job": plan.ref,
            "candidate": person.ref,
            "stage": current.ref,
            "furthest_stage": furthest.ref,
        },
        extra_attributes={
            "tags": shared_tags(pairs),
            "attachments": _attachments(context),
        },
    )


_PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "full_name",
    "preferred_name",
    "email",
    "phone",
    "phone_iso2",
    "date_of_birth",
    "linkedin_url",
    "locale",
    "address1",
    "address2",
    "town",
    "state_province",
    "postcode",
    "country",
    "country_code",
    "country_code_alpha3",
    "country_name",
)


def _personal_fields(person: Person) -> dict[str, Any]:
    """Copy the person's details onto the application."""
    profile = person.profile
    country = person.country
    return {
        "first_name": profile["first_name"],
        "last_name": profile["last_name"],
        "full_name": profile["full_name"],
        "preferred_name": profile["preferred_name"],
        "email": profile["email"],
        "phone": profile["phone"],
        "phone_iso2": profile["phone_iso2"],
        "date_of_birth": profile["date_of_birth"],
        "linkedin_url": person.linkedin_url,
        "locale": profile["locale"],
        "address1": profile["address1"],
        "address2": profile["address2"],
        "town": profile["town"],
        "state_province": profile["state_province"],
        "postcode": profile["postcode"],
        # Pinpoint's documented example sends the country name here and the codes in
        # the derived country_code fields.
        "country": country.name,
        "country_code": country.code,
        "country_code_alpha3": country.alpha3,
        "country_name": country.name,
    }


def _start_date(context: GenerationContext, hired_at: datetime | None) -> date | None:
    if hired_at is None:
        return None
    return (hired_at + timedelta(days=context.integer(14, 60))).date()


def _attachments(context: GenerationContext) -> tuple[GeneratedAttachment, ...]:
    """Pick the application's documents; one shared tuple per combination."""
    has_cv = context.chance(0.85)
    has_letter = context.chance(0.25)
    return _DOCUMENT_SETS[(has_cv, has_letter)]


_DOCUMENT_SETS = {
    (False, False): (),
    (True, False): (GENERATED_CV,),
    (False, True): (GENERATED_COVER_LETTER,),
    (True, True): (GENERATED_CV, GENERATED_COVER_LETTER),
}
