"""Results of an activity simulation: the events and the summary of one run."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.sandbox.records import Ref


@dataclass(frozen=True)
class SimulationEvent:
    """One change the simulation made."""

    kind: str
    record: Ref
    at: datetime
    detail: str = ""


@dataclass
class SimulationSummary:
    """The changes of one run, in order."""

    started_at: datetime
    ended_at: datetime
    events: list[SimulationEvent] = field(default_factory=list)
    skipped: int = 0
    """Events dropped because no record fitted them (for example no open job)."""

    def counts(self) -> dict[str, int]:
        """Return the number of events of each kind."""
        return dict(Counter(event.kind for event in self.events))

    def records(self, kind: str) -> list[Ref]:
        """Return the records touched by events of one kind, in order."""
        return [event.record for event in self.events if event.kind == kind]

    def as_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "counts": self.counts(),
            "skipped": self.skipped,
            "events": [
                {
                    "kind": e.kind,
                    "type": e.record[0],
                    "id": e.record[1],
                    "at": e.at,
                    "detail": e.detail,
                }
                for e in self.events
            ],
        }
