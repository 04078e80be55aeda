"""A minimal in-process list endpoint for testing the incremental reader's paging rules.

It implements only what the reader sends: `filter[updated_at][gt|lt]`, `sort` by
`updated_at,id` or `id`, `page[number]`, `page[size]` and `stats[total]=count`. Tests
change its records between requests through `before_request` and choose how timestamps
are rendered (offset, fractions) to exercise parsing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import httpx

from pipelines.pinpoint.jsonapi import parse_timestamp


@dataclass
class FakeListApi:
    """Records of one type served at `/items`; `records` maps id to `updated_at`."""

    records: dict[int, datetime]
    render_offset: timedelta = timedelta(0)
    render_fractions: bool = False
    before_request: Callable[[FakeListApi, httpx.Request], None] | None = None
    requests: list[httpx.Request] = field(default_factory=list)
    now: datetime | None = None
    page_size_cap: int | None = None
    """Serve at most this many rows per page whatever `page[size]` asks, as some servers do."""

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.before_request is not None:
            self.before_request(self, request)
        params = request.url.params
        rows = list(self.records.items())

        lower = params.get("filter[updated_at][gt]")
        upper = params.get("filter[updated_at][lt]")
        if lower is not None:
            bound = parse_timestamp(lower)
            rows = [row for row in rows if bound is not None and row[1] > bound]
        if upper is not None:
            bound = parse_timestamp(upper)
            rows = [row for row in rows if bound is not None and row[1] < bound]

        if params.get("sort", "id") == "updated_at,id":
            rows.sort(key=lambda row: (row[1], row[0]))
        else:
            rows.sort(key=lambda row: row[0])

        size = int(params.get("page[size]", 100))
        if self.page_size_cap is not None:
            size = min(size, self.page_size_cap)
        number = int(params.get("page[number]", 1))
        page = rows[(number - 1) * size : number * size]
        meta = {"stats": {"total": {"count": len(rows)}}} if "stats[total]" in params else {}
        body = {
            "data": [
                {
                    "id": str(record_id),
                    "type": "items",
                    "attributes": {"updated_at": self.render(moment)},
                    "relationships": {},
                }
                for record_id, moment in page
            ],
            "meta": meta,
        }
        headers = {}
        if self.now is not None:
            headers["Date"] = self.now.strftime("%a, %d %b %Y %H:%M:%S GMT")
        return httpx.Response(200, json=body, headers=headers)

    def render(self, moment: datetime) -> str:
        local = moment.astimezone(timezone(self.render_offset))
        if not self.render_fractions:
            local = local.replace(microsecond=0)
        return local.isoformat()

    def page_requests(self) -> int:
        return sum(1 for request in self.requests if request.url.params.get("page[size]") != "1")
