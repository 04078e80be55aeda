"""Records created, updated and deleted between the page requests of a running sync."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sync_helpers import Warehouse

from pipelines.pinpoint.settings import PinpointSettings, resolve_settings
from pipelines.sandbox import Sandbox, SandboxConfig, SandboxRequest, run_sandbox

DATASET = "pinpoint"


class Churn:
    """Changes applications before each page request of /applications, a bounded number of times."""

    def __init__(self, sandbox: Sandbox, limit: int) -> None:
        self.sandbox = sandbox
        self.limit = limit
        self.changes = 0
        self.deleted: set[str] = set()
        self.created: set[str] = set()
        self.moved: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, request: SandboxRequest) -> None:
        is_page = request.route == "/applications" and request.params.get("page[size]") != "1"
        if not is_page:
            return
        with self.lock:
            if self.changes >= self.limit:
                return
            self.changes += 1
            step = self.changes
        store = self.sandbox.store
        live = sorted(store.records("applications"), key=lambda record: int(record.id))
        if step % 3 == 0:
            victim = live[step * 7 % len(live)]
            store.delete("applications", victim.id)
            self.deleted.add(victim.id)
        elif step % 3 == 1:
            job = store.records("jobs")[step % len(store.records("jobs"))]
            candidate = store.records("candidates")[step]
            self.created.add(store.add_application(job.id, candidate.id).id)
        else:
            # Touch an early record: in an offset scheme this shifts every later row.
            target = live[step % 5]
            store.touch("applications", target.id)
            self.moved.add(target.id)


def start(applications: int) -> Iterator[Sandbox]:
    anchor = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    config = SandboxConfig(
        seed=21,
        jobs=8,
        candidates=max(applications * 2 // 3, 50),
        applications=applications,
        users=10,
        anchor=anchor,
    )
    with run_sandbox(config) as running:
        yield running


def settings_for(sandbox: Sandbox) -> PinpointSettings:
    return resolve_settings(api_key=sandbox.api_key, base_url=sandbox.base_url, account="test")


def loaded(warehouse: Warehouse, live_only: bool = False) -> dict[str, object]:
    where = "where remote_deleted_at is null" if live_only else ""
    rows = warehouse.query(
        f"select remote_id, remote_updated_at from {DATASET}.applications {where}"
    )
    return dict(rows)


def expected(sandbox: Sandbox) -> dict[str, object]:
    return {
        record.id: record.attributes["updated_at"]
        for record in sandbox.store.records("applications")
    }


def assert_no_duplicates(warehouse: Warehouse) -> None:
    duplicates = warehouse.scalar(
        f"select count(*) - count(distinct id) from {DATASET}.applications"
    )
    assert duplicates == 0


@pytest.mark.parametrize(("applications", "page_size"), [(400, 25), (20_000, 1000)])
def test_changes_during_full_and_delta_syncs(
    applications: int, page_size: int, warehouse: Warehouse
) -> None:
    for sandbox in start(applications):
        settings = settings_for(sandbox)
        churn = Churn(sandbox, limit=12)
        remove_hook = sandbox.on_request(churn)

        # A full sync while records change under it.
        warehouse.sync(settings, full=True, page_size=page_size, max_concurrency=1)
        assert churn.changes > 0
        assert_no_duplicates(warehouse)

        # A delta sync, again with changes between its pages.
        sandbox.clock.advance(300)
        churn.limit += 12
        warehouse.sync(settings, page_size=page_size, max_concurrency=1)
        assert_no_duplicates(warehouse)

        # Quiet now: the next delta sync brings everything changed during the last one.
        remove_hook()
        sandbox.clock.advance(300)
        warehouse.sync(settings, page_size=page_size)

        current = expected(sandbox)
        rows = loaded(warehouse)
        missing = sorted(set(current) - set(rows))
        assert missing == [], f"applications never loaded: {missing[:10]}"
        stale = sorted(remote for remote, moment in current.items() if rows[remote] != moment)
        assert stale == [], f"applications loaded in an old version: {stale[:10]}"
        assert churn.created <= set(rows)

        # Deletions show up on the next full sync, and only they do.
        sandbox.clock.advance(300)
        warehouse.sync(settings, full=True, page_size=page_size)
        live = set(loaded(warehouse, live_only=True))
        assert live == set(current)
        assert not churn.deleted & live
        assert_no_duplicates(warehouse)
