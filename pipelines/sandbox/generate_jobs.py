"""Generate users, departments, locations, jobs, their stages and screening questions.

Visibility, blind screening and draft status follow the job's index rather than chance,
so that even a five-job test configuration has a confidential job, a private job, a
blind-screening job, and from seven jobs on a draft.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pipelines.sandbox.generate_context import DAY, HISTORY, GenerationContext, WeightedChoice
from pipelines.sandbox.records import Record, Ref
from pipelines.sandbox.vocabulary import (
    COUNTRIES,
    DEPARTMENTS,
    FIRST_NAMES,
    JOB_ROLES,
    LAST_NAMES,
    LOCATIONS,
    QUESTIONS,
    SENIORITIES,
    STAGE_EXTERNAL_NAMES,
    STAGE_NAMES,
    TIME_ZONES,
)

DEPARTMENT_COUNT = 6
BANKED_QUESTION_COUNT = 10
CHOICE_QUESTION_TYPES = frozenset({"single_choice", "multiple_choice"})

_STATUSES = WeightedChoice(["open", "closed", "filled", "archived", "hold"], [60, 14, 12, 7, 7])
_EMPLOYMENT_TYPES = WeightedChoice(
    [
        "full_time",
        "part_time",
        "contract",
        "internship",
        "seasonal_full_time",
        "volunteer",
        "fixed_term_contract",
        "permanent",
    ],
    [50, 12, 10, 6, 5, 2, 8, 7],
)
_WORKPLACE_TYPES = WeightedChoice(["onsite", "hybrid", "remote"], [45, 40, 15])
_COUNTRY_BY_CODE = {country.code: country for country in COUNTRIES}


@dataclass
class StagePlan:
    """A job's stage as the application generator uses it."""

    id: str
    basic_type: str
    position: int

    def __post_init__(self) -> None:
        # One shared tuple per stage keeps large datasets smaller than a tuple per record.
        self.ref: Ref = ("stages", self.id)


@dataclass
class JobPlan:
    """Facts about one job that the application generator uses."""

    id: str
    visibility: str
    blind_screening: bool
    opened_at: datetime | None
    window_end: datetime
    """When the job stopped taking applications: closed_at, or the anchor."""
    closed: bool
    pipeline: list[StagePlan] = field(default_factory=list)
    """Stages an application moves through, in position order, without the rejected stage."""
    rejected_stage: StagePlan | None = None

    def __post_init__(self) -> None:
        self.ref: Ref = ("jobs", self.id)


def build_users(context: GenerationContext, count: int) -> list[Record]:
    rng = context.rng
    records: list[Record] = []
    used_emails: set[str] = set()
    for index in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}".lower().replace(" ", "") + "@example.com"
        if email in used_emails:
            email = email.replace("@", f"{index + 1}@")
        used_emails.add(email)
        created = context.between(context.start, context.start + HISTORY / 2)
        updated = context.between(created, context.anchor)
        last_sign_in = None if context.chance(0.1) else context.between(updated, context.anchor)
        attributes = {
            "first_name": first,
            "last_name": last,
            "email": email,
            "time_zone": rng.choice(TIME_ZONES),
            "access_group_id": rng.randint(1, 4),
            "last_sign_in_at": last_sign_in,
            "created_at": created,
            "updated_at": updated,
        }
        records.append(Record("users", str(index + 1), attributes))
    return records


def build_departments(context: GenerationContext) -> list[Record]:
    records = []
    for index, name in enumerate(DEPARTMENTS[:DEPARTMENT_COUNT]):
        created = context.between(context.start, context.start + timedelta(days=30))
        attributes = {
            "name": name,
            "external_system_reference": f"DEP-{index + 1:02d}" if index % 2 == 0 else None,
            "created_at": created,
            "updated_at": context.between(created, context.anchor),
        }
        records.append(Record("departments", str(index + 1), attributes))
    return records


def build_locations(context: GenerationContext) -> list[Record]:
    records = []
    for index, (name, street, city, province, postal_code, country_code) in enumerate(LOCATIONS):
        created = context.between(context.start, context.start + timedelta(days=30))
        attributes = {
            "name": name,
            "street_address": street,
            "city": city,
            "province": province,
            "postal_code": postal_code,
            "country_code": country_code,
            "external_system_reference": None,
            "created_at": created,
            "updated_at": context.between(created, context.anchor),
        }
        records.append(Record("locations", str(index + 1), attributes))
    return records


def build_questions(
    context: GenerationContext, first_id: int, count: int, banked: bool, created: datetime
) -> list[Record]:
    """Build ``count`` questions with consecutive ids starting at ``first_id``."""
    rng = context.rng
    records = []
    for offset in range(count):
        question_type, title, options = rng.choice(QUESTIONS)
        is_choice = question_type in CHOICE_QUESTION_TYPES
        attributes = {
            "title": title,
            "question_type": question_type,
            "required": context.chance(0.5),
            "additional_information": "Answers are shared with the hiring team."
            if context.chance(0.2)
            else None,
            "banked": banked,
            "multiple_choice_options": list(options),
            "num_required_answer_options": 1 if is_choice else None,
            "max_num_required_answer_options": len(options) if is_choice else None,
            "created_at": created,
            "updated_at": context.between(created, context.anchor),
        }
        records.append(Record("questions", str(first_id + offset), attributes))
    return records


@dataclass
class JobsResult:
    """Records built by ``build_jobs`` and the plans the application generator uses."""

    jobs: list[Record]
    stages: list[Record]
    questions: list[Record]
    plans: list[JobPlan]


def build_jobs(
    context: GenerationContext,
    count: int,
    users: list[Record],
    departments: list[Record],
    locations: list[Record],
) -> JobsResult:
    """Build ``count`` jobs with their own stages and questions, plus the banked questions.

    Banked questions get the first question ids. A few jobs also ask one of them.
    """
    banked = build_questions(context, 1, BANKED_QUESTION_COUNT, True, context.start)
    result = JobsResult(jobs=[], stages=[], questions=list(banked), plans=[])
    department_by_name = {d.attributes["name"]: d for d in departments}

    for index in range(count):
        job_id = str(index + 1)
        created = context.between(context.start, context.anchor - timedelta(days=21))
        job, plan = _build_job(
            context, index, job_id, created, users, department_by_name, departments, locations
        )

        stage_records = _build_stages(context, index, job_id, created, len(result.stages) + 1)
        result.stages.extend(stage_records)
        plan.pipeline = [
            StagePlan(r.id, r.attributes["basic_type"], r.attributes["position"])
            for r in sorted(stage_records, key=lambda r: r.attributes["position"])
            if r.attributes["basic_type"] != "rejected"
        ]
        rejected = next(r for r in stage_records if r.attributes["basic_type"] == "rejected")
        plan.rejected_stage = StagePlan(rejected.id, "rejected", rejected.attributes["position"])

        own_questions = build_questions(
            context, len(result.questions) + 1, context.rng.randint(2, 4), False, created
        )
        result.questions.extend(own_questions)
        question_refs = [q.ref for q in own_questions]
        if banked and context.chance(0.2):
            question_refs.append(context.rng.choice(banked).ref)

        job.relationships["stages"] = [
            r.ref for r in sorted(stage_records, key=lambda r: r.attributes["position"])
        ]
        job.relationships["questions"] = question_refs
        result.jobs.append(job)
        result.plans.append(plan)
    return result


def _build_job(
    context: GenerationContext,
    index: int,
    job_id: str,
    created: datetime,
    users: list[Record],
    department_by_name: dict[str, Record],
    departments: list[Record],
    locations: list[Record],
) -> tuple[Record, JobPlan]:
    rng = context.rng
    role_title, department_name, base_salary = rng.choice(JOB_ROLES)
    title = rng.choice(SENIORITIES) + role_title
    department = department_by_name.get(department_name) or rng.choice(departments)

    visibility = _visibility_for(index)
    blind_screening = index % 8 == 4
    status = "draft" if index % 9 == 6 else _STATUSES.pick(rng)

    workplace_type = _WORKPLACE_TYPES.pick(rng)
    location = None if workplace_type == "remote" else rng.choice(locations)
    custom_town = custom_country = None
    if workplace_type == "remote":
        custom_country = rng.choice(COUNTRIES).code
    elif index % 10 == 7:
        # A job placed by free-text town and country instead of a location record.
        location = None
        country = rng.choice(COUNTRIES)
        custom_town, custom_country = rng.choice(country.towns), country.code
    country_code = location.attributes["country_code"] if location else custom_country or "GB"

    opened_at = closed_at = None
    if status != "draft":
        opened_at = context.after(created, 0, 10 * DAY)
    if status in ("closed", "filled", "archived") and opened_at is not None:
        latest_close = context.anchor - timedelta(days=1)
        if latest_close - opened_at < timedelta(days=14):
            status = "open"
        else:
            closed_at = min(context.after(opened_at, 45 * DAY, 240 * DAY), latest_close)
    updated = max(t for t in (created, opened_at, closed_at) if t is not None)
    if context.chance(0.5):
        updated = context.between(updated, context.anchor)

    employment_type = _EMPLOYMENT_TYPES.pick(rng)
    compensation = _compensation(context, employment_type, base_salary, title, country_code)
    attributes = {
        "title": title,
        "description": (
            f"<p>We are hiring a {title} to join the {department.attributes['name']} team.</p>"
            "<ul><li>Work with a small, friendly team</li><li>Flexible hours</li></ul>"
        ),
        "status": status,
        "visibility": visibility,
        "employment_type": employment_type,
        "employment_type_text": employment_type.replace("_", " ").title(),
        "workplace_type": workplace_type,
        "workplace_type_text": workplace_type.title(),
        "remote": workplace_type == "remote",
        **compensation,
        "headcount_maximum": rng.randint(1, 3),
        "requisition_id": f"REQ-{1000 + index}" if context.chance(0.7) else None,
        "blind_screening": blind_screening,
        "custom_town": custom_town,
        "custom_country": custom_country,
        "url": f"https://careers.example.com/jobs/{job_id}",
        "external_system_reference": None,
        "opened_at": opened_at,
        "closed_at": closed_at,
        "filled_at": closed_at if status == "filled" else None,
        "uuid": context.uuid4(),
        "created_at": created,
        "updated_at": updated,
    }
    hiring_manager = None if not users or context.chance(0.1) else rng.choice(users).ref
    recruiter = None if not users or context.chance(0.15) else rng.choice(users).ref
    job = Record(
        "jobs",
        job_id,
        attributes,
        relationships={
            "department": department.ref,
            "location": location.ref if location else None,
            "hiring_manager_user": hiring_manager,
            "recruitment_manager_user": recruiter,
        },
    )
    plan = JobPlan(
        id=job_id,
        visibility=visibility,
        blind_screening=blind_screening,
        opened_at=opened_at,
        window_end=closed_at or context.anchor,
        closed=closed_at is not None,
    )
    return job, plan


def _visibility_for(index: int) -> str:
    if index == 1:
        return "private_job"
    if index % 7 == 3:
        return "confidential"
    if index % 4 == 2:
        return "internal"
    return "external"


def _compensation(
    context: GenerationContext, employment_type: str, base_salary: int, title: str, country: str
) -> dict[str, object]:
    currency = _COUNTRY_BY_CODE[country].currency
    if employment_type == "volunteer":
        return {
            "compensation_minimum": None,
            "compensation_maximum": None,
            "compensation_currency": None,
            "compensation_frequency": None,
        }
    scale = 1.25 if currency == "USD" else 1.0
    if title.startswith(("Senior", "Lead", "Principal")):
        scale *= 1.3
    elif title.startswith("Junior"):
        scale *= 0.75
    if employment_type in ("part_time", "seasonal_full_time"):
        minimum, frequency = round(base_salary * scale / 2000 * 2) / 2, "hour"
    elif employment_type == "internship":
        minimum, frequency = round(base_salary * scale / 24 / 50) * 50.0, "month"
    else:
        minimum = round(base_salary * scale * context.rng.uniform(0.9, 1.1) / 1000) * 1000.0
        frequency = "year"
    return {
        "compensation_minimum": float(minimum),
        "compensation_maximum": float(round(minimum * 1.2, 2)),
        "compensation_currency": currency,
        "compensation_frequency": frequency,
    }


def _build_stages(
    context: GenerationContext, index: int, job_id: str, created: datetime, first_id: int
) -> list[Record]:
    """Build one job's workflow. Odd-indexed jobs put Rejected at position 0, as in
    Pinpoint's documented example; the others put it last."""
    rng = context.rng
    types = (
        ["applied"]
        + ["review"] * rng.randint(1, 2)
        + ["interview"] * rng.randint(1, 2)
        + ["offer", "hired"]
    )
    names = {
        basic_type: rng.sample(STAGE_NAMES[basic_type], types.count(basic_type))
        for basic_type in dict.fromkeys(types)
    }
    ordered = [(basic_type, names[basic_type].pop(0)) for basic_type in types]
    rejected = ("rejected", rng.choice(STAGE_NAMES["rejected"]))
    ordered = [rejected, *ordered] if index % 2 == 1 else [*ordered, rejected]

    records = []
    for position, (basic_type, name) in enumerate(ordered):
        attributes = {
            "name": name,
            "external_name": STAGE_EXTERNAL_NAMES[basic_type],
            "description": "Shortlisted by the hiring manager." if basic_type == "review" else None,
            "basic_type": basic_type,
            "position": position,
            "visible": True,
            "external_system_reference": None,
            "created_at": created,
            "updated_at": created,
        }
        records.append(
            Record(
                "stages",
                str(first_id + position),
                attributes,
                relationships={"stageable": ("jobs", job_id)},
            )
        )
    return records
