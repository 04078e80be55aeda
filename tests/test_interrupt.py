"""Ctrl+C during a sync stops the run instead of counting as one account's failure."""

from __future__ import annotations

from typing import Any

import pytest
from sync_helpers import Warehouse

import pipelines.pinpoint.source as source
from pipelines.pinpoint.jsonapi import Document
from pipelines.pinpoint.mappers.common import MapContext
from pipelines.pinpoint.settings import PinpointSettings


def interrupt(document: Document, context: MapContext) -> list[dict[str, Any]]:
    raise KeyboardInterrupt


def test_ctrl_c_in_extract_propagates(
    settings: PinpointSettings, warehouse: Warehouse, monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = tuple(
        (name, table, pages, interrupt if name == "applications" else mapper)
        for name, table, pages, mapper in source.TABLE_RESOURCES
    )
    monkeypatch.setattr(source, "TABLE_RESOURCES", resources)

    with pytest.raises(KeyboardInterrupt):
        warehouse.sync(settings)
