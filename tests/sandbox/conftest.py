"""Fixtures for the sandbox tests: small generated accounts served over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sandbox_helpers import FROZEN_AT, SMALL_CONFIG, FrozenClock, make_client

from pipelines.sandbox import Sandbox, run_sandbox


@pytest.fixture(scope="session")
def shared_sandbox() -> Iterator[Sandbox]:
    """A sandbox for tests that only read; tests that change data use ``sandbox``."""
    with run_sandbox(SMALL_CONFIG) as running:
        yield running


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """A fresh sandbox whose clock is fixed at 2025-07-01T00:00:00+00:00 until advanced."""
    clock = FrozenClock(FROZEN_AT)
    with run_sandbox(SMALL_CONFIG, clock=clock) as running:
        yield running


@pytest.fixture(scope="session")
def shared_client(shared_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with make_client(shared_sandbox) as client:
        yield client


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with make_client(sandbox) as http_client:
        yield http_client
