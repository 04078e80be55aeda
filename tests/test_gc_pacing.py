"""The collector runs less often during a sync and is put back afterwards."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import pytest

from pipelines.gc_pacing import SYNC_THRESHOLDS, collect_less


@pytest.fixture(autouse=True)
def known_thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_thresholds_raised_inside_and_restored_after() -> None:
    with collect_less():
        assert gc.get_threshold() == SYNC_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), collect_less():
        raise RuntimeError("sync failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_restore_at_outermost_exit() -> None:
    with collect_less():
        with collect_less():
            assert gc.get_threshold() == SYNC_THRESHOLDS
        assert gc.get_threshold() == SYNC_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_overlapping_blocks_in_threads_share_one_setting() -> None:
    first_entered = threading.Event()
    second_left = threading.Event()
    seen_in_first: list[tuple[int, int, int]] = []

    def first() -> None:
        with collect_less():
            first_entered.set()
            second_left.wait(5)
            seen_in_first.append(gc.get_threshold())

    thread = threading.Thread(target=first)
    thread.start()
    first_entered.wait(5)
    with collect_less():
        pass
    second_left.set()
    thread.join(5)
    assert seen_in_first == [SYNC_THRESHOLDS]
    assert gc.get_threshold() == (700, 10, 10)


def test_cyclic_garbage_is_freed_on_leaving() -> None:
    class Node:
        partner: Node

    with collect_less():
        node = Node()
        node.partner = node
        reference = weakref.ref(node)
        del node
    assert reference() is None
