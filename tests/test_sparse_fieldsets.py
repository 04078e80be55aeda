"""Candidate pages ask only for the application attributes the candidate mapper reads."""

from __future__ import annotations

from pipelines.pinpoint.client import PinpointClient
from pipelines.pinpoint.mappers import people
from pipelines.pinpoint.mappers.common import MapContext
from pipelines.pinpoint.source import QUERIES
from pipelines.sandbox import Sandbox

CONTEXT = MapContext("test")


def test_sparse_candidate_page_maps_identically(account: Sandbox) -> None:
    query = QUERIES["candidate_pages"]
    assert query.shape["fields[applications]"] == ",".join(people.CANDIDATE_APPLICATION_FIELDS)
    full_shape = {
        name: value for name, value in query.shape.items() if not name.startswith("fields[")
    }
    page = {"page[size]": 1000, "page[number]": 1}
    with PinpointClient(account.base_url, account.api_key) as client:
        sparse = client.get(query.path, {**query.shape, **page})
        full = client.get(query.path, {**full_shape, **page})

    assert sparse.included, "the sandbox account should have candidates with applications"
    for resource in sparse.included.values():
        assert set(resource["attributes"]) == set(people.CANDIDATE_APPLICATION_FIELDS)
    assert any(
        set(resource["attributes"]) > set(people.CANDIDATE_APPLICATION_FIELDS)
        for resource in full.included.values()
    )
    sparse_rows = people.map_candidates(sparse, CONTEXT)
    assert sparse_rows == people.map_candidates(full, CONTEXT)
    assert any(row["source"] for row in sparse_rows)
    assert any(row["social_media"] for row in sparse_rows)
