"""Errors of the write actions: invalid input, found before anything is sent to Pinpoint.

An `ActionInputError` lists every problem found in one input, each with the field's path
in the unified input (`candidate.email_address`, `attachments[1].data`) and the fix.
Messages never repeat the values of personal fields (names, email, phone, address, file
contents), so they are safe to log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipelines.pinpoint.errors import PinpointError

__all__ = ["ActionInputError", "InputProblem", "Problems"]


@dataclass(frozen=True)
class InputProblem:
    """One invalid or missing input field and how to fix it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


class ActionInputError(PinpointError):
    """The input of an action is invalid; nothing was sent to Pinpoint."""

    def __init__(self, problems: Iterable[InputProblem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        summary = "; ".join(str(problem) for problem in self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"invalid input ({count} {noun}), nothing was sent: {summary}")

    def as_json(self) -> dict[str, object]:
        return {
            "error": "invalid_input",
            "message": str(self),
            "problems": [problem.as_json() for problem in self.problems],
        }


class Problems:
    """Collects input problems so one pass reports all of them at once."""

    def __init__(self) -> None:
        self.items: list[InputProblem] = []

    def add(self, field: str, message: str) -> None:
        self.items.append(InputProblem(field, message))

    def extend(self, problems: Iterable[InputProblem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise `ActionInputError` with every collected problem, if there is one."""
        if self.items:
            raise ActionInputError(self.items)
