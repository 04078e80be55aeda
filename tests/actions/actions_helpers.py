"""Inputs and sandbox lookups shared by the action tests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from pipelines.pinpoint.client import RetryPolicy
from pipelines.sandbox import Sandbox, SandboxConfig
from pipelines.sandbox.records import Record

TEST_RETRIES = RetryPolicy(
    max_attempts=3, initial_backoff_seconds=0.01, max_backoff_seconds=0.05, max_total_seconds=10
)
PDF_BYTES = b"%PDF-1.4\n% test file\n%%EOF\n"
TINY_ACCOUNT = SandboxConfig(seed=7, jobs=3, candidates=40, applications=60, users=4)


def recent(config: SandboxConfig) -> SandboxConfig:
    """Return `config` with a history that ended an hour ago, outside the sync's lag."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return SandboxConfig(**{**config.__dict__, "anchor": anchor})


def encoded(content: bytes) -> str:
    return base64.b64encode(content).decode("ascii")


def open_job(sandbox: Sandbox, *, without_requirements: bool = True) -> Record:
    """Return a job whose form asks for no phone, CV, cover letter or summary."""
    for job in sandbox.store.records("jobs"):
        attributes = job.attributes
        plain = (
            not attributes.get("require_phone")
            and attributes.get("resume_requirement") != "required"
            and attributes.get("cover_letter_requirement") != "required"
            and attributes.get("personal_summary_requirement") != "required"
        )
        if plain or not without_requirements:
            return job
    raise AssertionError("the sandbox account has no job without form requirements")


def applicant(job: Record, **extra: Any) -> dict[str, Any]:
    """Return a valid create input for `job`, updated with `extra` top-level fields."""
    payload: dict[str, Any] = {
        "candidate": {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email_address": "ada.lovelace@example.com",
            "location": {"city": "London", "country": "GB"},
        },
        "application": {"job_id": f"remote:{job.id}"},
    }
    payload.update(extra)
    return payload


def applications_with_key(sandbox: Sandbox, key: str) -> list[Record]:
    return [
        record
        for record in sandbox.store.records("applications")
        if record.attributes.get("external_system_reference") == key
    ]


def posts(sandbox: Sandbox, route: str) -> int:
    """Count write requests (POST and PUT) the sandbox received on `route`."""
    return sandbox.stats.count(route, method="POST") + sandbox.stats.count(route, method="PUT")


class LoseFirstResponse(httpx.BaseTransport):
    """Deliver a request to the server, then lose its response as a read timeout would."""

    def __init__(self, method: str, path_suffix: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.method = method
        self.path_suffix = path_suffix
        self.lost = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        matches = request.method == self.method and request.url.path.endswith(self.path_suffix)
        if matches and self.lost == 0:
            self.lost += 1
            response.read()
            response.close()
            raise httpx.ReadTimeout("the response was lost", request=request)
        return response

    def close(self) -> None:
        self.inner.close()
