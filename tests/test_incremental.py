"""The incremental reader against a fake list endpoint that changes while it is read."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fake_list_api import FakeListApi

from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.incremental import (
    ChangeWindow,
    EndpointQuery,
    plan_slices,
    read_changed_pages,
    read_in_slices,
)

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2025, 6, 1, tzinfo=UTC)
QUERY = EndpointQuery("/items", "items")


def spread_records(count: int, seconds_apart: int = 7) -> dict[int, datetime]:
    return {
        record_id: START + timedelta(seconds=seconds_apart * record_id)
        for record_id in range(1, count + 1)
    }


def read_ids(api: FakeListApi, window: ChangeWindow, page_size: int) -> list[int]:
    client = PinpointClient("https://fake.example/api/v1", "key", transport=api.transport())
    ids = []
    for document in read_changed_pages(client, QUERY, window, page_size=page_size):
        ids.extend(int(resource["id"]) for resource in document.data)
    return ids


def assert_each_once(ids: list[int], expected: set[int]) -> None:
    repeated = sorted(record_id for record_id, seen in Counter(ids).items() if seen > 1)
    assert repeated == [], f"records read more than once: {repeated[:10]}"
    missing = sorted(expected - set(ids))
    assert missing == [], f"records never read: {missing[:10]}"
    assert set(ids) == expected


def test_reads_every_record_once() -> None:
    api = FakeListApi(spread_records(1000))
    ids = read_ids(api, ChangeWindow(None, END), page_size=100)
    assert_each_once(ids, set(range(1, 1001)))


def test_window_start_and_end_respected() -> None:
    records = spread_records(100, seconds_apart=60)
    api = FakeListApi(records)
    start = records[20]
    end = records[80]
    ids = read_ids(api, ChangeWindow(start, end), page_size=10)
    # The window includes its start and excludes its end.
    assert_each_once(ids, set(range(20, 80)))


def test_bulk_import_larger_than_page_read_once() -> None:
    records = spread_records(300)
    same_second = START + timedelta(days=3)
    records.update({record_id: same_second for record_id in range(1000, 3500)})
    api = FakeListApi(records)

    ids = read_ids(api, ChangeWindow(None, END), page_size=1000)

    assert_each_once(ids, set(records))


def test_ties_across_page_boundary_read_once() -> None:
    # Pages of 10 over seconds that each hold 4 records: every page ends mid-second.
    records = {record_id: START + timedelta(seconds=record_id // 4) for record_id in range(1, 203)}
    api = FakeListApi(records)
    ids = read_ids(api, ChangeWindow(None, END), page_size=10)
    assert_each_once(ids, set(records))


@pytest.mark.parametrize("offset_hours", [0, 2, -5])
@pytest.mark.parametrize("fractions", [False, True])
def test_offsets_and_fractions_parsed(offset_hours: int, fractions: bool) -> None:
    records = {
        record_id: START + timedelta(seconds=record_id * 3, microseconds=137 * record_id)
        for record_id in range(1, 501)
    }
    api = FakeListApi(
        records, render_offset=timedelta(hours=offset_hours), render_fractions=fractions
    )
    ids = read_ids(api, ChangeWindow(None, END), page_size=50)
    assert_each_once(ids, set(records))


def test_update_during_read_loses_nothing() -> None:
    """Records updated mid-read leave the window; the rest are all read in this run."""
    records = spread_records(1000)
    now = END - timedelta(seconds=10)
    updated: set[int] = set()

    def update_some(api: FakeListApi, request: httpx.Request) -> None:
        # Before every page, move three records still ahead of the reader past the window.
        if request.url.params.get("page[size]") == "1":
            return
        for record_id in sorted(api.records)[:3]:
            if record_id not in updated and api.records[record_id] < now:
                api.records[record_id] = now + timedelta(seconds=5)
                updated.add(record_id)

    api = FakeListApi(records, before_request=update_some)
    first_run = read_ids(api, ChangeWindow(None, now), page_size=100)
    second_run = read_ids(api, ChangeWindow(now, END), page_size=100)

    assert updated, "the test should have updated records during the read"
    assert_each_once(first_run, set(records) - updated | (set(first_run) & updated))
    # Every record arrives in the first run or the second; none in neither.
    assert set(first_run) | set(second_run) == set(records)
    assert updated <= set(second_run)


def test_deletion_during_read_does_not_skip_others() -> None:
    records = spread_records(600)
    deleted: list[int] = []

    def delete_read_record(api: FakeListApi, request: httpx.Request) -> None:
        # Deleting a record the reader already passed shifts every later row in an
        # offset scheme; the reader must not depend on positions.
        read_so_far = [
            record_id for record_id in sorted(api.records) if record_id < 50 * len(api.requests)
        ]
        if read_so_far and len(deleted) < 5:
            victim = read_so_far[0]
            api.records.pop(victim)
            deleted.append(victim)

    api = FakeListApi(records, before_request=delete_read_record)
    ids = read_ids(api, ChangeWindow(None, END), page_size=50)

    survivors = set(records) - set(deleted)
    assert survivors <= set(ids)
    assert len(ids) == len(set(ids))


def test_bulk_second_changing_during_read_reread() -> None:
    same_second = START + timedelta(days=1)
    records = {record_id: same_second for record_id in range(1, 2501)}
    moved: list[int] = []

    def move_one_of_the_bulk(api: FakeListApi, request: httpx.Request) -> None:
        if request.url.params.get("sort") == "id" and len(moved) < 2:
            victim = min(record_id for record_id in api.records if record_id not in moved)
            api.records[victim] = END + timedelta(hours=1)
            moved.append(victim)

    api = FakeListApi(records, before_request=move_one_of_the_bulk)
    ids = read_ids(api, ChangeWindow(None, END), page_size=1000)

    assert len(ids) == len(set(ids))
    assert set(records) - set(moved) <= set(ids)


def test_empty_window_sends_no_request() -> None:
    api = FakeListApi(spread_records(10))
    ids = read_ids(api, ChangeWindow(END, END), page_size=10)
    assert ids == []
    assert api.requests == []


@pytest.mark.parametrize("slices", [2, 4])
def test_sliced_read_covers_window_once(slices: int) -> None:
    records = spread_records(3000)
    same_second = START + timedelta(hours=2)
    records.update({record_id: same_second for record_id in range(5000, 5300)})
    api = FakeListApi(records)
    client = PinpointClient("https://fake.example/api/v1", "key", transport=api.transport())

    windows = plan_slices(client, QUERY, ChangeWindow(None, END), slices, len(records), 200)
    ids = [
        int(resource["id"])
        for document in read_in_slices(
            client,
            QUERY,
            ChangeWindow(None, END),
            page_size=200,
            slices=slices,
            expected_count=len(records),
        )
        for resource in document.data
    ]

    assert len(windows) == slices
    assert windows[0].start is None
    assert windows[-1].end == END
    for earlier, later in itertools.pairwise(windows):
        assert earlier.end == later.start
        assert later.start is not None
        assert later.start.microsecond == 0
    assert_each_once(ids, set(records))


def test_small_window_not_sliced() -> None:
    api = FakeListApi(spread_records(50))
    client = PinpointClient("https://fake.example/api/v1", "key", transport=api.transport())
    windows = plan_slices(client, QUERY, ChangeWindow(None, END), 4, 50, 100)
    assert windows == [ChangeWindow(None, END)]
    assert api.requests == []


def test_sliced_read_reports_reader_failure() -> None:
    def fail_late(api: FakeListApi, request: httpx.Request) -> None:
        if len(api.requests) > 6:
            raise RuntimeError("simulated transport failure")

    api = FakeListApi(spread_records(2000), before_request=fail_late)
    client = PinpointClient("https://fake.example/api/v1", "key", transport=api.transport())
    with pytest.raises(RuntimeError, match="simulated transport failure"):
        for _ in read_in_slices(
            client, QUERY, ChangeWindow(None, END), page_size=100, slices=3, expected_count=2000
        ):
            pass


def test_capped_page_size_loses_nothing() -> None:
    records = spread_records(700)
    same_second = START + timedelta(hours=5)
    records.update({record_id: same_second for record_id in range(2000, 2100)})
    api = FakeListApi(records, page_size_cap=30)

    ids = read_ids(api, ChangeWindow(None, END), page_size=100)

    assert_each_once(ids, set(records))


def test_offset_pages_follow_capped_size() -> None:
    api = FakeListApi(spread_records(95), page_size_cap=20)
    client = PinpointClient("https://fake.example/api/v1", "key", transport=api.transport())

    ids = [
        int(resource["id"])
        for document in client.iter_pages("/items", {"sort": "id"}, page_size=50)
        for resource in document.data
    ]

    assert ids == list(range(1, 96))
