"""Fixtures for end-to-end tests: a small sandbox account and pipelines into DuckDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sync_helpers import Warehouse

from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, SandboxConfig, run_sandbox

SMALL_ACCOUNT = SandboxConfig(seed=7, jobs=6, candidates=150, applications=240, users=8)


@pytest.fixture
def account() -> Iterator[Sandbox]:
    """A small sandbox account whose generated history ended an hour ago."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(**{**SMALL_ACCOUNT.__dict__, "anchor": anchor})
    with run_sandbox(config) as running:
        yield running


@pytest.fixture
def settings(account: Sandbox) -> PinpointSettings:
    return resolve_settings(api_key=account.api_key, base_url=account.base_url, account="test")


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    return Warehouse(tmp_path)


@pytest.fixture
def make_warehouse(tmp_path: Path) -> Callable[[str], Warehouse]:
    def create(name: str) -> Warehouse:
        folder = tmp_path / name
        folder.mkdir()
        return Warehouse(folder)

    return create
