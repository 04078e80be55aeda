"""Generate the records around the core data, and decorate jobs and users.

The records are hiring workflows, job postings, comments, custom fields and values,
offers, screening answers, assessment results and background checks.

This step runs after the core generation with its own random generator, seeded from the
same seed, so adding it left the core records unchanged. It edits the core records'
dicts in place, which is safe because the store does not exist yet.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from pipelines.sandbox.generate_context import DAY, HISTORY
from pipelines.sandbox.records import Record, RelationshipValue
from pipelines.sandbox.vocabulary import COMMENT_TEXTS

WORKFLOWS = (
    ("Standard hiring", ("applied", "review", "interview", "offer", "hired", "rejected")),
    (
        "Engineering hiring",
        ("applied", "review", "interview", "interview", "offer", "hired", "rejected"),
    ),
    ("Graduate scheme", ("applied", "review", "review", "interview", "offer", "hired", "rejected")),
)
CUSTOM_FIELDS = (
    # name, field_type, resource_type, options
    ("Cost centre", "select", "job", ("CC-100", "CC-200", "CC-300")),
    ("Notice period (weeks)", "number", "application", ()),
    ("Visa sponsorship required", "boolean", "application", ()),
    ("Right to work checked", "boolean", "candidate", ()),
    ("Preferred start date", "date", "candidate", ()),
    ("Internal reference", "text", "application", ()),
)
ANSWER_SHARE = 0.08
COMMENT_SHARE = 0.06


class ExtrasBuilder:
    """Builds the extra records from the core records of one dataset."""

    def __init__(self, seed: int, anchor: datetime, records: dict[str, list[Record]]) -> None:
        self.rng = random.Random(f"{seed}:extras")
        self.anchor = anchor
        self.start = anchor - HISTORY
        self.records = records
        self.stages = {stage.id: stage for stage in records["stages"]}
        self.users = records["users"]

    def build(self) -> None:
        records = self.records
        records["workflow_stages"] = []
        records["hiring_workflows"] = self._workflows()
        self._decorate_users()
        records["job_postings"] = self._decorate_jobs()
        self._link_postings()
        records["custom_fields"] = self._custom_fields()
        records["custom_attributes"] = self._custom_attributes()
        records["comments"] = self._comments()
        records["offers"] = self._offers()
        records["answers"] = self._answers()
        records["candidate_assessments"], records["background_checks"] = self._result_links()

    def _between(self, low: datetime, high: datetime) -> datetime:
        span = int((high - low).total_seconds())
        return low if span <= 0 else low + timedelta(seconds=self.rng.randint(0, span))

    def _user_ref(self) -> tuple[str, str] | None:
        return self.rng.choice(self.users).ref if self.users else None

    def _workflows(self) -> list[Record]:
        workflows = []
        next_stage = max((int(stage_id) for stage_id in self.stages), default=0) + 1
        for index, (name, types) in enumerate(WORKFLOWS, start=1):
            created = self.start
            refs = []
            for position, basic_type in enumerate(types):
                stage = Record(
                    "workflow_stages",
                    str(next_stage),
                    {
                        "name": basic_type.replace("_", " ").title(),
                        "external_name": basic_type.title(),
                        "description": None,
                        "basic_type": basic_type,
                        "position": position,
                        "visible": True,
                        "external_system_reference": None,
                        "created_at": created,
                        "updated_at": created,
                    },
                    relationships={"stageable": ("hiring_workflows", str(index))},
                )
                self.records["workflow_stages"].append(stage)
                refs.append(stage.ref)
                next_stage += 1
            attributes = {
                "name": name,
                "external_system_reference": f"WF-{index}" if index == 1 else None,
                "created_at": created,
                "updated_at": self._between(created, self.anchor),
            }
            workflows.append(Record("hiring_workflows", str(index), attributes, {"stages": refs}))
        return workflows

    def _decorate_users(self) -> None:
        for user in self.users:
            user.extra_attributes["employee"] = self.rng.random() < 0.8

    def _decorate_jobs(self) -> list[Record]:
        postings: list[Record] = []
        workflow_count = len(WORKFLOWS)
        for job in self.records["jobs"]:
            attributes = job.attributes
            attributes["selected_hiring_workflow_id"] = str(self.rng.randint(1, workflow_count))
            attributes["require_phone"] = self.rng.random() < 0.1
            attributes["resume_requirement"] = (
                "required" if self.rng.random() < 0.15 else "optional"
            )
            attributes["personal_summary_requirement"] = "off"
            job.relationships["creator_user"] = self._user_ref()
            emails = [
                self._email_of(job.to_one(name))
                for name in ("hiring_manager_user", "recruitment_manager_user")
            ]
            job.extra_attributes["users_emails_with_job_level_visibility"] = [
                email for email in dict.fromkeys(emails) if email
            ]
            if attributes["status"] != "draft":
                for number in range(1 if self.rng.random() < 0.8 else 2):
                    postings.append(self._posting(job, str(len(postings) + 1), number == 0))
        return postings

    def _link_postings(self) -> None:
        """Point careers-site applications at their job's default posting."""
        default_posting = {
            posting.relationships["job"][1]: posting  # type: ignore[index]
            for posting in reversed(self.records["job_postings"])
            if posting.attributes["default_for_job"]
        }
        for application in self.records["applications"]:
            if application.attributes["channel"] != "careers_site":
                continue
            posting = default_posting.get(application.attributes["job_id"])
            if posting is not None:
                application.attributes["job_posting_id"] = posting.id
                application.relationships["job_posting"] = posting.ref

    def _email_of(self, ref: tuple[str, str] | None) -> str | None:
        if ref is None:
            return None
        return next((u.attributes["email"] for u in self.users if u.id == ref[1]), None)

    def _posting(self, job: Record, posting_id: str, default: bool) -> Record:
        job_attributes = job.attributes
        created = job_attributes["opened_at"] or job_attributes["created_at"]
        location = job.to_one("location")
        attributes = {
            "name": job_attributes["title"] if default else f"{job_attributes['title']} (EMEA)",
            "title": job_attributes["title"],
            "status": "active" if job_attributes["status"] == "open" else "inactive",
            "default_for_job": default,
            "url": f"https://careers.example.com/jobs/{job.id}/postings/{posting_id}",
            "path": f"/jobs/{job.id}/postings/{posting_id}",
            "application_form_url": f"https://careers.example.com/jobs/{job.id}/apply",
            "description": job_attributes["description"],
            "employment_type": job_attributes["employment_type"],
            "workplace_type": job_attributes["workplace_type"],
            "compensation_minimum": job_attributes["compensation_minimum"],
            "compensation_maximum": job_attributes["compensation_maximum"],
            "compensation_currency": job_attributes["compensation_currency"],
            "deadline_at": None,
            "location_city_state_name": job_attributes.get("custom_town"),
            "created_at": created,
            "updated_at": self._between(created, self.anchor),
        }
        return Record(
            "job_postings", posting_id, attributes, {"job": job.ref, "location": location}
        )

    def _custom_fields(self) -> list[Record]:
        fields = []
        for index, (name, field_type, resource_type, options) in enumerate(CUSTOM_FIELDS, start=1):
            attributes = {
                "name": name,
                "description": None,
                "field_type": field_type,
                "resource_type": resource_type,
                "options": list(options),
                "position": index,
                "required": False,
                "sample_value": options[0] if options else None,
                "unique_reference": f"custom_field_{index}",
                "created_at": self.start,
                "updated_at": self.start,
            }
            fields.append(Record("custom_fields", str(index), attributes))
        return fields

    def _custom_attributes(self) -> list[Record]:
        values: list[Record] = []
        fields = self.records["custom_fields"]
        by_resource: dict[str, list[Record]] = {}
        for custom_field in fields:
            by_resource.setdefault(custom_field.attributes["resource_type"], []).append(
                custom_field
            )
        owners = [
            ("job", self.records["jobs"], 1.0),
            ("application", self.records["applications"], 0.1),
            ("candidate", self.records["candidates"], 0.05),
        ]
        for resource_type, owner_records, share in owners:
            for owner in owner_records:
                if share < 1.0 and self.rng.random() >= share:
                    continue
                custom_field = self.rng.choice(by_resource[resource_type])
                values.append(self._custom_value(str(len(values) + 1), custom_field, owner))
        values.sort(key=lambda record: record.attributes["created_at"])
        return [
            Record(r.type, str(number), r.attributes, r.relationships)
            for number, r in enumerate(values, start=1)
        ]

    def _custom_value(self, value_id: str, custom_field: Record, owner: Record) -> Record:
        field_type = custom_field.attributes["field_type"]
        option_label = option_value = None
        value: Any
        if field_type == "select":
            value = option_value = self.rng.choice(custom_field.attributes["options"])
            option_label = value
        elif field_type == "number":
            value = float(self.rng.choice((1, 2, 4, 8, 12)))
        elif field_type == "boolean":
            value = self.rng.random() < 0.5
        elif field_type == "date":
            value = (self.anchor + timedelta(days=self.rng.randint(14, 120))).date().isoformat()
        else:
            value = f"REF-{owner.id}"
        created = self._between(owner.attributes["created_at"], owner.attributes["updated_at"])
        attributes = {
            "field_name": custom_field.attributes["name"],
            "value": value,
            "option_label": option_label,
            "option_value": option_value,
            "created_at": created,
            "updated_at": created,
        }
        relationships: dict[str, RelationshipValue] = {
            "custom_field": custom_field.ref,
            "custom_attributable": owner.ref,
        }
        return Record("custom_attributes", value_id, attributes, relationships)

    def _comments(self) -> list[Record]:
        comments: list[Record] = []
        owners = [
            (self.records["applications"], COMMENT_SHARE, "Application"),
            (self.records["candidates"], COMMENT_SHARE / 4, "Candidate"),
        ]
        for owner_records, share, class_name in owners:
            for owner in owner_records:
                if self.rng.random() >= share:
                    continue
                author = self._user_ref()
                created = self._between(
                    owner.attributes["created_at"], owner.attributes["updated_at"]
                )
                attributes = {
                    "body_text": self.rng.choice(COMMENT_TEXTS),
                    "commentable_type": class_name,
                    "commentable_id": int(owner.id),
                    "private_comment": self.rng.random() < 0.1,
                    "user_id": int(author[1]) if author else None,
                    "created_at": created,
                    "updated_at": created,
                }
                relationships: dict[str, RelationshipValue] = {
                    "user": author,
                    "commentable": owner.ref,
                }
                comments.append(Record("comments", "0", attributes, relationships))
        comments.sort(key=lambda record: record.attributes["created_at"])
        return [
            Record(r.type, str(number), r.attributes, r.relationships)
            for number, r in enumerate(comments, start=1)
        ]

    def _offers(self) -> list[Record]:
        offers: list[Record] = []
        jobs = {job.id: job for job in self.records["jobs"]}
        for application in self.records["applications"]:
            furthest = application.to_one("furthest_stage")
            stage = self.stages.get(furthest[1]) if furthest else None
            if stage is None or stage.attributes["basic_type"] not in ("offer", "hired"):
                continue
            offers.append(self._offer(str(len(offers) + 1), application, stage, jobs))
        return offers

    def _offer(
        self, offer_id: str, application: Record, stage: Record, jobs: dict[str, Record]
    ) -> Record:
        attributes = application.attributes
        job = jobs[attributes["job_id"]]
        hired = attributes["hired_at"] is not None
        sent = self._between(attributes["created_at"], attributes["updated_at"])
        status = "accepted" if hired else self.rng.choice(("sent", "declined", "draft"))
        amount = job.attributes["compensation_minimum"]
        creator, manager = self._user_ref(), self._user_ref()
        offer = {
            "application_id": application.id,
            "job_title": job.attributes["title"],
            "status": status,
            "result": "accepted" if hired else None,
            "result_at": attributes["hired_at"],
            "salary_amount": amount,
            "salary_currency": job.attributes["compensation_currency"],
            "salary_period": job.attributes["compensation_frequency"],
            "start_on": attributes["start_on"],
            "expires_at": sent + timedelta(days=7),
            "sent_at": None if status == "draft" else sent,
            "signature_type": "electronic",
            "paid_days_off": 25,
            "work_address": None,
            "comment": None,
            "stage_id": stage.id,
            "creator_id": creator[1] if creator else None,
            "manager_id": manager[1] if manager else None,
            "created_at": sent,
            "updated_at": max(sent, attributes["hired_at"] or sent),
        }
        relationships: dict[str, RelationshipValue] = {
            "application": application.ref,
            "creator": creator,
            "manager": manager,
            "stage": stage.ref,
        }
        return Record("offers", offer_id, offer, relationships)

    def _answers(self) -> list[Record]:
        answers: list[Record] = []
        questions = {question.id: question for question in self.records["questions"]}
        jobs = {job.id: job for job in self.records["jobs"]}
        for application in self.records["applications"]:
            if self.rng.random() >= ANSWER_SHARE:
                continue
            job = jobs[application.attributes["job_id"]]
            for _, question_id in job.to_many("questions"):
                answers.append(
                    self._answer(str(len(answers) + 1), application, questions[question_id])
                )
        return answers

    def _answer(self, answer_id: str, application: Record, question: Record) -> Record:
        question_type = question.attributes["question_type"]
        options = question.attributes["multiple_choice_options"]
        created = application.attributes["created_at"]
        attributes: dict[str, Any] = {
            "title": question.attributes["title"],
            "question_type": question_type,
            "text_answer": None,
            "boolean_answer": None,
            "number_answer": None,
            "date_answer": None,
            "date_from_answer": None,
            "date_to_answer": None,
            "url_answer": None,
            "multiple_choice_answer": [],
            "document_answer": None,
            "additional_information": question.attributes["additional_information"],
            "created_at": created,
            "updated_at": created,
        }
        if options:
            attributes["multiple_choice_answer"] = [self.rng.choice(options)]
        elif question_type == "boolean":
            attributes["boolean_answer"] = self.rng.random() < 0.7
        elif question_type == "number":
            attributes["number_answer"] = str(self.rng.randint(0, 15))
        elif question_type == "date":
            attributes["date_answer"] = date(2025, self.rng.randint(1, 12), 1)
        else:
            attributes["text_answer"] = "Yes, happy to discuss in the interview."
        relationships: dict[str, RelationshipValue] = {
            "question": question.ref,
            "answerable": application.ref,
        }
        return Record("answers", answer_id, attributes, relationships)

    def _result_links(self) -> tuple[list[Record], list[Record]]:
        assessments: list[Record] = []
        checks: list[Record] = []
        for application in self.records["applications"]:
            attributes = application.attributes
            if attributes["hired_at"] is not None:
                checks.append(self._result(str(len(checks) + 1), application, "background_checks"))
            elif self.rng.random() < 0.03:
                assessments.append(
                    self._result(str(len(assessments) + 1), application, "candidate_assessments")
                )
        return assessments, checks

    def _result(self, result_id: str, application: Record, type_name: str) -> Record:
        created = application.attributes["created_at"] + timedelta(
            seconds=self.rng.randint(DAY, 5 * DAY)
        )
        created = min(created, self.anchor)
        completed = self.rng.random() < 0.8
        uid = f"{type_name[:3]}-{application.id}-{self.rng.randint(1000, 9999)}"
        attributes = {
            "name": "Right to work and references"
            if type_name == "background_checks"
            else "Skills test",
            "provider_code": "example_check"
            if type_name == "background_checks"
            else "example_assessment",
            "external_uid": uid,
            "status": "completed" if completed else "pending",
            "result": (self.rng.choice(("Passed", "Failed")) if completed else None),
            "result_url": f"https://provider.example.com/results/{uid}",
            "result_details": {},
            "created_at": created,
            "updated_at": created,
        }
        if type_name == "background_checks":
            attributes["is_completed"] = completed
        return Record(type_name, result_id, attributes, {"application": application.ref})
