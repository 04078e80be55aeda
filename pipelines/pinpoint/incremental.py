"""Read the records of one endpoint that changed inside a time window, without losing any.

Offset pages over an `updated_at`-filtered result set are unsafe: a record updated after
its page was read leaves the result set, every later row moves one place forward, and
the row at the next page boundary is never returned. This module pages by key instead:

1. The window is `[start, end)`. `end` is the server's clock (the `Date` header) minus a
   lag, fixed when the read begins, so records written while the read runs fall into the
   next run's window. `start` is the previous run's `end`; a full read has no start.
2. Every request asks for page 1 of `filter[updated_at][gt]=lower` and
   `filter[updated_at][lt]=end`, sorted by `updated_at,id`. After a full page, rows of
   the last second on the page are held back and `lower` moves to just before that
   second, so the next request returns them again together with the rest of that second.
   No offset is used, so a record that changes mid-read cannot shift others out of view;
   the changed record itself now has `updated_at >= end` and is read by the next run.
3. A second that holds more records than one page (a bulk import) is read on its own with
   offset pages sorted by id, repeated until `stats[total]=count` stays the same across
   a pass, and the union of all passes is returned.

Pinpoint renders timestamps and compares filters at whole seconds; filter values are
therefore whole seconds, and rows are de-duplicated by id where windows touch.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from pipelines.pinpoint.client import MAX_PAGE_SIZE, PinpointClient
from pipelines.pinpoint.errors import PinpointResponseError
from pipelines.pinpoint.jsonapi import Document, Resource, parse_timestamp
from pipelines.pinpoint.prefetch import prefetch

__all__ = [
    "ChangeWindow",
    "EndpointQuery",
    "format_filter_time",
    "plan_slices",
    "read_changed_pages",
    "read_in_slices",
]

logger = logging.getLogger(__name__)

_ONE_SECOND = timedelta(seconds=1)
_MAX_TIE_PASSES = 4


@dataclass(frozen=True)
class EndpointQuery:
    """A list endpoint and the parameters every request to it carries.

    `filters` narrow the result set and are also sent with the counting probe; `shape`
    (include, fields, extra_fields) only changes what each record carries.
    """

    path: str
    resource_type: str
    filters: Mapping[str, str] = field(default_factory=dict)
    shape: Mapping[str, str] = field(default_factory=dict)
    supports_updated_at_filter: bool = True


@dataclass(frozen=True)
class ChangeWindow:
    """Records with `start <= updated_at < end` are read; `start=None` reads everything."""

    start: datetime | None
    end: datetime

    @property
    def is_empty(self) -> bool:
        return self.start is not None and self.start >= self.end


def format_filter_time(moment: datetime) -> str:
    """Format a moment as Pinpoint's filters expect: whole seconds with a `+00:00` offset."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def floor_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def probe(client: PinpointClient, query: EndpointQuery, start: datetime | None) -> Document:
    """Fetch one tiny page to learn the server clock and how many records changed."""
    params: dict[str, Any] = {
        **query.filters,
        "page[size]": 1,
        "stats[total]": "count",
        f"fields[{query.resource_type}]": "updated_at",
    }
    if start is not None and query.supports_updated_at_filter:
        params["filter[updated_at][gt]"] = format_filter_time(start - _ONE_SECOND)
    return client.get(query.path, params)


def read_changed_pages(
    client: PinpointClient,
    query: EndpointQuery,
    window: ChangeWindow,
    *,
    page_size: int = MAX_PAGE_SIZE,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[Document]:
    """Yield pages holding every record whose `updated_at` lies in `window`, each once.

    Endpoints without an `updated_at` filter are read in full and filtered here.
    """
    if window.is_empty:
        return
    if not query.supports_updated_at_filter:
        yield from _read_unfiltered(client, query, window, page_size, on_page)
        return

    reader = _KeysetReader(client, query, window, page_size, on_page)
    yield from reader.pages()


def read_in_slices(
    client: PinpointClient,
    query: EndpointQuery,
    window: ChangeWindow,
    *,
    page_size: int = MAX_PAGE_SIZE,
    slices: int = 1,
    expected_count: int | None = None,
    on_page: Callable[[int], None] | None = None,
) -> Iterator[Document]:
    """Read `window` as consecutive time slices in parallel threads, pages in any order.

    Slices split the window at whole seconds, so each record falls in exactly one and
    the keyset rules hold inside each. A window expected to fit in two pages is read as
    one slice. Pages of different slices interleave; a record still arrives once.
    """
    windows = plan_slices(client, query, window, slices, expected_count, page_size)
    readers = [
        partial(read_changed_pages, client, query, part, page_size=page_size, on_page=on_page)
        for part in windows
    ]
    yield from prefetch(readers)


def plan_slices(
    client: PinpointClient,
    query: EndpointQuery,
    window: ChangeWindow,
    slices: int,
    expected_count: int | None,
    page_size: int,
) -> list[ChangeWindow]:
    """Split `window` into up to `slices` windows of equal duration."""
    worth_splitting = (
        slices > 1
        and query.supports_updated_at_filter
        and not window.is_empty
        and expected_count is not None
        and expected_count > 2 * page_size
    )
    if not worth_splitting:
        return [window]
    lower = window.start or _first_updated_at(client, query, window.end)
    if lower is None:
        return [window]
    lower = floor_second(lower)
    span = window.end - lower
    boundaries = sorted(
        {floor_second(lower + span * index / slices) for index in range(1, slices)}
        - {lower, window.end}
    )
    starts = [window.start, *boundaries]
    ends = [*boundaries, window.end]
    return [ChangeWindow(start, end) for start, end in zip(starts, ends, strict=True)]


def _first_updated_at(
    client: PinpointClient, query: EndpointQuery, end: datetime
) -> datetime | None:
    params: dict[str, Any] = {
        **query.filters,
        "filter[updated_at][lt]": format_filter_time(end),
        "sort": "updated_at,id",
        "page[size]": 1,
        f"fields[{query.resource_type}]": "updated_at",
    }
    document = client.get(query.path, params)
    if not document.data:
        return None
    return _updated_at(document.data[0], document)


class _KeysetReader:
    def __init__(
        self,
        client: PinpointClient,
        query: EndpointQuery,
        window: ChangeWindow,
        page_size: int,
        on_page: Callable[[int], None] | None,
    ) -> None:
        self.client = client
        self.query = query
        self.window = window
        self.page_size = page_size
        self.on_page = on_page
        # Ids already yielded per whole second, kept only for seconds still re-readable.
        self.emitted: dict[datetime, set[str]] = {}

    def pages(self) -> Iterator[Document]:
        lower = None if self.window.start is None else floor_second(self.window.start) - _ONE_SECOND
        while True:
            document = self._request_page(lower, sort="updated_at,id", page_number=1, count=True)
            rows = document.data
            # Pinpoint's count of what is left ends the read exactly, even when a server
            # serves fewer rows per page than requested. Without a count, a short page does.
            remaining = document.total_count()
            if remaining is not None:
                last_page = len(rows) >= remaining
            else:
                last_page = len(rows) < self.page_size
            if last_page or not rows:
                yield self._emit(document, rows)
                return

            last_second = floor_second(_updated_at(rows[-1], document))
            first_second = floor_second(_updated_at(rows[0], document))
            if first_second == last_second:
                # The whole page is one second: more records share it than fit a page.
                yield from self._read_one_second(last_second)
                lower = last_second
            else:
                complete = [
                    row for row in rows if floor_second(_updated_at(row, document)) < last_second
                ]
                yield self._emit(document, complete)
                lower = last_second - _ONE_SECOND
            self._forget_before(lower)

    def _read_one_second(self, second: datetime) -> Iterator[Document]:
        upper = min(second + _ONE_SECOND, self.window.end)
        lower = second - _ONE_SECOND
        collected: dict[str, Resource] = {}
        included: dict[tuple[str, str], Resource] = {}
        first: Document | None = None
        for attempt in range(1, _MAX_TIE_PASSES + 1):
            pass_ids: set[str] = set()
            count_at_start: int | None = None
            page_number = 1
            while True:
                document = self._request_page(
                    lower, sort="id", page_number=page_number, upper=upper, count=page_number == 1
                )
                first = first or document
                if page_number == 1:
                    count_at_start = document.total_count()
                included.update(document.included)
                for row in document.data:
                    collected[str(row["id"])] = row
                    pass_ids.add(str(row["id"]))
                if not document.data:
                    break
                if count_at_start is not None:
                    if len(pass_ids) >= count_at_start:
                        break
                elif len(document.data) < self.page_size:
                    break
                page_number += 1
            # Offset pages are safe only if nothing entered or left the second meanwhile.
            check = self._request_page(
                lower, sort="id", page_number=1, upper=upper, count=True, size=1
            )
            count_at_end = check.total_count()
            if count_at_start == count_at_end and len(pass_ids) >= (count_at_end or 0):
                break
            logger.info(
                "Records of %s updated at %s changed while being read; reading them again "
                "(pass %d of %d)",
                self.query.path,
                second.isoformat(),
                attempt,
                _MAX_TIE_PASSES,
            )
        assert first is not None
        rows = sorted(collected.values(), key=lambda row: str(row["id"]))
        for offset in range(0, len(rows), self.page_size):
            chunk = Document(
                data=rows[offset : offset + self.page_size],
                included=included,
                url=first.url,
                server_time=first.server_time,
            )
            yield self._emit(chunk, chunk.data)

    def _request_page(
        self,
        lower: datetime | None,
        *,
        sort: str,
        page_number: int,
        upper: datetime | None = None,
        count: bool = False,
        size: int | None = None,
    ) -> Document:
        params: dict[str, Any] = {
            **self.query.filters,
            **self.query.shape,
            "filter[updated_at][lt]": format_filter_time(upper or self.window.end),
            "sort": sort,
            "page[number]": page_number,
            "page[size]": size or self.page_size,
        }
        if lower is not None:
            params["filter[updated_at][gt]"] = format_filter_time(lower)
        if count:
            params["stats[total]"] = "count"
        return self.client.get(self.query.path, params)

    def _emit(self, document: Document, rows: list[Resource]) -> Document:
        fresh = []
        for row in rows:
            moment = _updated_at(row, document)
            if not _in_window(moment, self.window):
                continue
            second = floor_second(moment)
            seen = self.emitted.setdefault(second, set())
            row_id = str(row["id"])
            if row_id in seen:
                continue
            seen.add(row_id)
            fresh.append(row)
        if self.on_page is not None:
            self.on_page(len(fresh))
        return Document(
            data=fresh,
            included=document.included,
            meta=document.meta,
            url=document.url,
            server_time=document.server_time,
        )

    def _forget_before(self, lower: datetime) -> None:
        for second in [second for second in self.emitted if second <= lower]:
            del self.emitted[second]


def _read_unfiltered(
    client: PinpointClient,
    query: EndpointQuery,
    window: ChangeWindow,
    page_size: int,
    on_page: Callable[[int], None] | None,
) -> Iterator[Document]:
    params = {**query.filters, **query.shape, "sort": "id"}
    for document in client.iter_pages(query.path, params, page_size=page_size):
        rows = [row for row in document.data if _in_window(_updated_at(row, document), window)]
        if on_page is not None:
            on_page(len(rows))
        yield Document(
            data=rows,
            included=document.included,
            meta=document.meta,
            url=document.url,
            server_time=document.server_time,
        )


def _in_window(moment: datetime, window: ChangeWindow) -> bool:
    return (window.start is None or moment >= window.start) and moment < window.end


def _updated_at(row: Resource, document: Document) -> datetime:
    value = (row.get("attributes") or {}).get("updated_at")
    try:
        moment = parse_timestamp(value)
    except ValueError:
        moment = None
    if moment is None:
        raise PinpointResponseError(
            f"{row.get('type')} {row.get('id')} from {document.url} has no valid 'updated_at' "
            f"({str(value)[:40]!r}); it cannot be placed in the incremental window"
        )
    return moment
