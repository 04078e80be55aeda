"""Simulation events that change jobs: a new job opens, a stage is renamed."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import TYPE_CHECKING

from pipelines.sandbox.records import Record
from pipelines.sandbox.simulation_results import SimulationEvent
from pipelines.sandbox.vocabulary import STAGE_EXTERNAL_NAMES, STAGE_NAMES

if TYPE_CHECKING:
    from pipelines.sandbox.store import SandboxStore


def add_job(store: SandboxStore, rng: random.Random) -> SimulationEvent | None:
    """Open a new external job modelled on an existing one, with stages copied from a
    hiring workflow, as creating a job from a template does in Pinpoint."""
    jobs = store.records("jobs")
    workflows = store.records("hiring_workflows")
    if not jobs or not workflows:
        return None

    model = rng.choice(jobs)
    workflow = rng.choice(workflows)
    now = store.clock.now()
    job_id = store.next_id("jobs")
    attributes = {
        **model.attributes,
        "title": f"{model.attributes['title']} ({job_id})",
        "status": "open",
        "visibility": "external",
        "blind_screening": False,
        "selected_hiring_workflow_id": workflow.id,
        "url": f"https://careers.example.com/jobs/{job_id}",
        "external_system_reference": None,
        "opened_at": now,
        "closed_at": None,
        "filled_at": None,
        "uuid": store.new_uuid("jobs", job_id),
        "created_at": now,
        "updated_at": now,
    }

    stage_refs = []
    for template_ref in workflow.to_many("stages"):
        template = store.get(*template_ref)
        if template is None:
            continue
        basic_type = template.attributes["basic_type"]
        stage = Record(
            "stages",
            store.next_id("stages"),
            {
                **template.attributes,
                "name": rng.choice(STAGE_NAMES[basic_type]),
                "external_name": STAGE_EXTERNAL_NAMES[basic_type],
                "created_at": now,
                "updated_at": now,
            },
            relationships={"stageable": ("jobs", job_id)},
        )
        store.add(stage)
        stage_refs.append(stage.ref)

    relationships = {**model.relationships, "stages": stage_refs, "questions": []}
    job = store.add(replace(model, id=job_id, attributes=attributes, relationships=relationships))
    return SimulationEvent("new_job", job.ref, now, attributes["title"])


def rename_stage(store: SandboxStore, rng: random.Random) -> SimulationEvent | None:
    """Rename a job's stage and bump the job's ``updated_at`` as well as the stage's.

    Pinpoint does not document whether it bumps the job when one of its stages changes.
    The sandbox does, so a delta sync of jobs, which carry their stages, reads the new
    name.
    """
    stages = store.records("stages")
    if not stages:
        return None
    stage = rng.choice(stages)
    owner = stage.to_one("stageable")
    basic_type = stage.attributes["basic_type"]
    names = [name for name in STAGE_NAMES[basic_type] if name != stage.attributes["name"]]
    new_name = rng.choice(names) if names else f"{stage.attributes['name']} (renamed)"
    renamed = store.update("stages", stage.id, {"name": new_name})
    if owner is not None and store.get(*owner) is not None:
        store.touch(*owner)
    return SimulationEvent("rename_stage", renamed.ref, store.clock.now(), new_name)
