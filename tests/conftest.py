"""Fixtures for end-to-end tests: a small sandbox account and pipelines into DuckDB."""

from __future__ import annotations

import logging
import os

# dlt sends anonymous usage telemetry to its own servers unless this is off; the tests
# talk to 127.0.0.1 only.
os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sync_helpers import Warehouse

from pipelines.cli import _ArrowJsonHintFilter
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, SandboxConfig, run_sandbox

# dlt warns once per resource that JSON columns arrive in Arrow as text, which the
# connector does on purpose; the CLI drops the same warning.
logging.getLogger("dlt").addFilter(_ArrowJsonHintFilter())

SMALL_ACCOUNT = SandboxConfig(seed=7, jobs=6, candidates=150, applications=240, users=8)


def _account_config() -> SandboxConfig:
    """Return the `account` fixture's size: small, or PINPOINT_TEST_APPLICATIONS applications.

    The reliability scenarios run at scale with, for example,
    `PINPOINT_TEST_APPLICATIONS=20000 pytest tests/test_crashes.py tests/test_deletions.py`.
    """
    applications = int(os.environ.get("PINPOINT_TEST_APPLICATIONS", "0"))
    if applications <= SMALL_ACCOUNT.applications:
        return SMALL_ACCOUNT
    return SandboxConfig(
        seed=SMALL_ACCOUNT.seed,
        jobs=max(6, applications // 100),
        candidates=applications * 2 // 3,
        applications=applications,
        users=max(8, applications // 1000),
    )


@pytest.fixture
def account() -> Iterator[Sandbox]:
    """A small sandbox account whose generated history ended an hour ago."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(**{**_account_config().__dict__, "anchor": anchor})
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
