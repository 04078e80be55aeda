"""Fixtures for the action tests: a tiny sandbox account and sessions on it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from actions_helpers import TEST_RETRIES, TINY_ACCOUNT, recent

from pipelines.actions import ActionSession
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, run_sandbox
from pipelines.sync import make_pipeline


@pytest.fixture
def tiny() -> Iterator[Sandbox]:
    with run_sandbox(recent(TINY_ACCOUNT)) as running:
        yield running


@pytest.fixture
def tiny_settings(tiny: Sandbox) -> PinpointSettings:
    return resolve_settings(api_key=tiny.api_key, base_url=tiny.base_url, account="test")


@pytest.fixture
def session(tiny_settings: PinpointSettings) -> Iterator[ActionSession]:
    """A session without a destination: inputs name records as remote:<id>."""
    with ActionSession(tiny_settings, retry_policy=TEST_RETRIES, timeout_seconds=5) as opened:
        yield opened


@pytest.fixture
def make_session(
    tiny_settings: PinpointSettings, tmp_path: Path
) -> Iterator[Callable[..., ActionSession]]:
    """Open sessions with options; `tracked=True` gives them a DuckDB destination."""
    opened: list[ActionSession] = []

    def create(*, tracked: bool = False, **options: object) -> ActionSession:
        pipeline = None
        if tracked:
            pipeline = make_pipeline(
                pipeline_name="actions_test",
                pipelines_dir=tmp_path / "pipelines",
                duckdb_path=tmp_path / "warehouse.duckdb",
            )
        options.setdefault("retry_policy", TEST_RETRIES)
        session = ActionSession(tiny_settings, pipeline=pipeline, **options)  # type: ignore[arg-type]
        opened.append(session)
        return session

    yield create
    for session in opened:
        session.close()
