"""Fixtures for the privacy tests: one sandbox account synced with and without a policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from privacy_helpers import TEST_KEY, SyncedWarehouse
from sync_helpers import Warehouse

from pipelines.pinpoint.privacy import resolve_privacy
from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, SandboxConfig, run_sandbox

SHARED_ACCOUNT = SandboxConfig(seed=7, jobs=6, candidates=150, applications=240, users=8)
TINY_ACCOUNT = SandboxConfig(seed=7, jobs=3, candidates=40, applications=60, users=4)


def _recent(config: SandboxConfig) -> SandboxConfig:
    """Return `config` with a history that ended an hour ago, outside the sync's lag."""
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return SandboxConfig(**{**config.__dict__, "anchor": anchor})


@pytest.fixture(scope="module")
def shared_account() -> Iterator[Sandbox]:
    """A sandbox for tests that only read; tests that change data use `tiny_account`."""
    with run_sandbox(_recent(SHARED_ACCOUNT)) as running:
        yield running


@pytest.fixture
def tiny_account() -> Iterator[Sandbox]:
    """A fresh small sandbox for one test that changes its data."""
    with run_sandbox(_recent(TINY_ACCOUNT)) as running:
        yield running


@pytest.fixture
def tiny_settings(tiny_account: Sandbox) -> PinpointSettings:
    return resolve_settings(
        api_key=tiny_account.api_key, base_url=tiny_account.base_url, account="test"
    )


@pytest.fixture(scope="module")
def shared_settings(shared_account: Sandbox) -> PinpointSettings:
    return resolve_settings(
        api_key=shared_account.api_key, base_url=shared_account.base_url, account="test"
    )


@pytest.fixture(scope="module")
def analytics_sync(
    shared_settings: PinpointSettings, tmp_path_factory: pytest.TempPathFactory
) -> SyncedWarehouse:
    """The shared account synced under the analytics preset, erasure step included."""
    warehouse = Warehouse(tmp_path_factory.mktemp("analytics"))
    options = resolve_privacy("analytics").sync_options(key=TEST_KEY)
    return SyncedWarehouse(warehouse, warehouse.sync(shared_settings, **options))


@pytest.fixture(scope="module")
def plain_sync(
    shared_settings: PinpointSettings, tmp_path_factory: pytest.TempPathFactory
) -> SyncedWarehouse:
    """The shared account synced under the `none` preset."""
    warehouse = Warehouse(tmp_path_factory.mktemp("plain"))
    options = resolve_privacy("none").sync_options()
    return SyncedWarehouse(warehouse, warehouse.sync(shared_settings, **options))
