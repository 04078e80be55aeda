"""Recruiting activity while simulated time passes.

``ActivitySimulator.run(hours)`` spreads events evenly over the period, moving the clock
to each event's moment before applying it, so every change gets its own ``updated_at``.
Which events happen, and to which records, depends only on the seed, the number of the
run (the first, second ... call) and the store's contents, never on real time; with a
clock that does not follow real time the timestamps repeat too.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from pipelines.sandbox.records import Record, RelationshipValue
from pipelines.sandbox.simulate_jobs import add_job, rename_stage
from pipelines.sandbox.simulation_results import SimulationEvent, SimulationSummary
from pipelines.sandbox.store import SandboxStore
from pipelines.sandbox.vocabulary import COMMENT_TEXTS, FIRST_NAMES, LAST_NAMES, REJECTION_REASONS

EVENT_WEIGHTS: dict[str, float] = {
    "new_application": 30,
    "move_forward": 22,
    "skip_stage": 4,
    "move_backward": 3,
    "reject": 14,
    "hire": 3,
    "withdraw": 3,
    "edit_candidate": 7,
    "edit_application": 5,
    "comment": 6,
    "delete_application": 1.5,
    "new_job": 0.5,
    "rename_stage": 1,
}
"""Relative frequency of each kind of event."""

MAX_EVENTS_PER_RUN = 100_000
_ATTEMPTS = 25
"""Random picks tried to find a record an event applies to before skipping it."""


class ActivitySimulator:
    """Applies seeded, random recruiting events to a store while its clock advances."""

    def __init__(self, store: SandboxStore, seed: int) -> None:
        self.store = store
        self.seed = seed
        self.runs = 0
        self._applications: list[Record] = []
        """Applications at the start of the run plus those it added; deleted ones are
        skipped when picked."""
        self._handlers: dict[str, Callable[[random.Random], SimulationEvent | None]] = {
            "new_application": self._new_application,
            "move_forward": lambda rng: self._move(rng, "move_forward", 1),
            "skip_stage": lambda rng: self._move(rng, "skip_stage", 2),
            "move_backward": lambda rng: self._move(rng, "move_backward", -1),
            "reject": lambda rng: self._close(rng, "reject", "rejected"),
            "hire": lambda rng: self._close(rng, "hire", "hired"),
            "withdraw": lambda rng: self._close(rng, "withdraw", "rejected"),
            "edit_candidate": self._edit_candidate,
            "edit_application": self._edit_application,
            "comment": self._comment,
            "delete_application": self._delete_application,
            "new_job": lambda rng: add_job(self.store, rng),
            "rename_stage": lambda rng: rename_stage(self.store, rng),
        }

    def run(
        self,
        hours: float,
        events_per_hour: float | None = None,
        weights: Mapping[str, float] | None = None,
    ) -> SimulationSummary:
        """Advance the clock by ``hours`` and apply about ``events_per_hour`` events an hour.

        The default rate is one event an hour per 1,000 applications, at least one.
        ``weights`` replaces ``EVENT_WEIGHTS`` (kinds left out do not happen).
        """
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        store = self.store
        self.runs += 1
        rng = random.Random(f"{self.seed}:activity:{self.runs}")
        rate = (
            events_per_hour
            if events_per_hour is not None
            else max(1.0, store.count("applications") / 1000)
        )
        total = min(round(hours * rate), MAX_EVENTS_PER_RUN)
        chosen = dict(weights) if weights is not None else EVENT_WEIGHTS
        unknown = sorted(set(chosen) - set(self._handlers))
        if unknown:
            raise ValueError(f"unknown event kinds {unknown}; known: {sorted(self._handlers)}")
        kinds = [kind for kind, weight in chosen.items() if weight > 0]
        kind_weights = [chosen[kind] for kind in kinds]

        seconds = hours * 3600
        spacing = seconds / (total + 1)
        summary = SimulationSummary(store.clock.now(), store.clock.now())
        with store.lock:
            self._applications = store.records("applications")
            for _ in range(total):
                store.clock.advance(spacing)
                kind = rng.choices(kinds, kind_weights)[0] if kinds else None
                event = self._handlers[kind](rng) if kind else None
                if event is None:
                    summary.skipped += 1
                else:
                    summary.events.append(event)
            store.clock.advance(max(seconds - spacing * total, 0.0))
        summary.ended_at = store.clock.now()
        return summary

    def _event(self, kind: str, record: Record, detail: str = "") -> SimulationEvent:
        return SimulationEvent(kind, record.ref, self.store.clock.now(), detail)

    def _random_application(
        self, rng: random.Random, want: Callable[[Record, Record], bool]
    ) -> Record | None:
        """Pick an application whose current stage satisfies ``want(application, stage)``."""
        for _ in range(_ATTEMPTS):
            if not self._applications:
                return None
            picked = self._applications[rng.randrange(len(self._applications))]
            application = self.store.get("applications", picked.id)
            if application is None:
                continue
            stage = self.store.get("stages", application.attributes["stage_id"])
            if stage is not None and want(application, stage):
                return application
        return None

    def _new_application(self, rng: random.Random) -> SimulationEvent | None:
        store = self.store
        jobs = [job for job in store.records("jobs") if job.attributes["status"] == "open"]
        if not jobs:
            return None
        job = rng.choice(jobs)
        candidates = store.records("candidates") if rng.random() < 0.3 else []
        candidate = rng.choice(candidates) if candidates else self._new_candidate(rng)
        application = store.add_application(job.id, candidate.id)
        self._applications.append(application)
        return self._event("new_application", application, f"job {job.id}")

    def _new_candidate(self, rng: random.Random) -> Record:
        store = self.store
        now = store.clock.now()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        candidate_id = store.next_id("candidates")
        attributes = {
            "first_name": first,
            "middle_name": None,
            "last_name": last,
            "preferred_name": None,
            "full_name": f"{first} {last}",
            "email": f"{first}.{last}.{candidate_id}@example.com".lower().replace(" ", ""),
            "phone": None,
            "phone_iso2": None,
            "date_of_birth": None,
            "address1": None,
            "address2": None,
            "town": None,
            "state_province": None,
            "postcode": None,
            "country": "GB",
            "locale": "en",
            "blocked": False,
            "external_system_reference": None,
            "created_at": now,
            "updated_at": now,
        }
        extras: dict[str, Any] = {"tags": [], "attachments": []}
        record = Record("candidates", candidate_id, attributes, {"applications": []}, extras)
        return store.add(record)

    def _move(self, rng: random.Random, kind: str, step: int) -> SimulationEvent | None:
        def movable(application: Record, stage: Record) -> bool:
            return stage.attributes["basic_type"] not in ("rejected", "hired")

        application = self._random_application(rng, movable)
        if application is None:
            return None
        pipeline = self._pipeline(application)
        position = next(
            i for i, s in enumerate(pipeline) if s.id == application.attributes["stage_id"]
        )
        target = min(max(position + step, 0), len(pipeline) - 1)
        if target == position:
            return None
        moved = self.store.move_application(application.id, pipeline[target].id)
        return self._event(kind, moved, pipeline[target].attributes["name"])

    def _close(self, rng: random.Random, kind: str, basic_type: str) -> SimulationEvent | None:
        def open_application(application: Record, stage: Record) -> bool:
            return stage.attributes["basic_type"] not in ("rejected", "hired")

        application = self._random_application(rng, open_application)
        if application is None:
            return None
        stages = self.store.job_stages(application.attributes["job_id"])
        target = next((s for s in stages if s.attributes["basic_type"] == basic_type), None)
        if target is None:
            return None
        moved = self.store.move_application(application.id, target.id)
        if basic_type == "rejected":
            reason = "Withdrew application" if kind == "withdraw" else rng.choice(REJECTION_REASONS)
            tags = [
                *moved.extra_attributes.get("tags", []),
                {"context": "rejection", "name": reason},
            ]
            moved = self.store.set_tags("applications", moved.id, tags)
        return self._event(kind, moved, target.attributes["name"])

    def _pipeline(self, application: Record) -> list[Record]:
        stages = self.store.job_stages(application.attributes["job_id"])
        return [stage for stage in stages if stage.attributes["basic_type"] != "rejected"]

    def _edit_candidate(self, rng: random.Random) -> SimulationEvent | None:
        candidates = self.store.records("candidates")
        if not candidates:
            return None
        candidate = rng.choice(candidates)
        phone = f"+44 7700 900{rng.randint(0, 999):03d}"
        updated = self.store.update_candidate(candidate.id, phone=phone, phone_iso2="GB")
        return self._event("edit_candidate", updated, "phone")

    def _edit_application(self, rng: random.Random) -> SimulationEvent | None:
        application = self._random_application(rng, lambda application, stage: True)
        if application is None:
            return None
        tag = {
            "context": "custom_green",
            "name": rng.choice(("Strong portfolio", "Follow up", "Relocation")),
        }
        tags = list(application.extra_attributes.get("tags", []))
        tags = [t for t in tags if t != tag] if tag in tags else [*tags, tag]
        updated = self.store.set_tags("applications", application.id, tags)
        return self._event("edit_application", updated, tag["name"])

    def _comment(self, rng: random.Random) -> SimulationEvent | None:
        store = self.store
        application = self._random_application(rng, lambda application, stage: True)
        users = store.records("users")
        if application is None:
            return None
        author = rng.choice(users) if users else None
        now = store.clock.now()
        attributes = {
            "body_text": rng.choice(COMMENT_TEXTS),
            "commentable_type": "Application",
            "commentable_id": int(application.id),
            "private_comment": False,
            "user_id": int(author.id) if author else None,
            "created_at": now,
            "updated_at": now,
        }
        relationships: dict[str, RelationshipValue] = {
            "user": author.ref if author else None,
            "commentable": application.ref,
        }
        comment = store.add(
            Record("comments", store.next_id("comments"), attributes, relationships)
        )
        return self._event("comment", comment, f"application {application.id}")

    def _delete_application(self, rng: random.Random) -> SimulationEvent | None:
        application = self._random_application(rng, lambda application, stage: True)
        if application is None:
            return None
        self.store.delete("applications", application.id)
        return self._event("delete_application", application)
