"""API keys and their permissions per data area, as Pinpoint's key settings grant them.

Pinpoint gives each key None, Read or "Write and Delete" per data area. The sandbox maps
every endpoint and every resource type to one area (``endpoints.TYPE_AREAS``): a GET
needs Read on the endpoint's area and on the area of every included type, and any other
method needs Write. A refused request returns 403 with a detail that names the missing
permission, for example ``API key lacks Read permission for Candidate``. That Pinpoint
returns 403 for a missing permission is inferred, because its documented 403 is for an
account whose API access is switched off.
"""

from __future__ import annotations

import enum
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pipelines.sandbox.endpoints import AREAS

__all__ = ["AREAS", "ApiKey", "KeyRing", "Permission", "parse_permissions"]


class Permission(enum.IntEnum):
    """Access level of a key to one area; each level includes the ones below it."""

    NONE = 0
    READ = 1
    WRITE = 2

    @classmethod
    def parse(cls, value: str | Permission) -> Permission:
        """Read ``none``, ``read`` or ``write`` (any case); ``write-and-delete`` is ``write``."""
        if isinstance(value, Permission):
            return value
        text = value.strip().lower().replace("_", "-")
        aliases = {"none": cls.NONE, "read": cls.READ, "write": cls.WRITE}
        aliases["write-and-delete"] = cls.WRITE
        if text not in aliases:
            raise ValueError(f"invalid permission {value!r}: expected none, read or write")
        return aliases[text]

    @property
    def label(self) -> str:
        return {0: "None", 1: "Read", 2: "Write"}[self.value]


def _canonical_area(name: str) -> str:
    wanted = name.strip().replace("_", " ").lower()
    for area in AREAS:
        if area.lower() == wanted:
            return area
    raise ValueError(f"unknown permission area {name!r}; areas: {', '.join(AREAS)}")


@dataclass(frozen=True)
class ApiKey:
    """A key and its permissions. Areas not listed get ``default``.

    ``ApiKey("reader", {"Candidate": "none"}, default="read")`` reads everything but
    candidates and writes nothing. Area names are matched without regard to case, and
    ``hiring_workflow`` matches ``Hiring Workflow``.
    """

    key: str = field(repr=False)
    permissions: Mapping[str, Permission | str] = field(default_factory=dict)
    default: Permission | str = Permission.WRITE

    def __post_init__(self) -> None:
        if not self.key:
            raise ValueError("api_key must not be empty")
        normalised = {
            _canonical_area(area): Permission.parse(level)
            for area, level in self.permissions.items()
        }
        object.__setattr__(self, "permissions", normalised)
        object.__setattr__(self, "default", Permission.parse(self.default))

    def level(self, area: str) -> Permission:
        return Permission(self.permissions.get(area, self.default))  # type: ignore[arg-type]

    def describe(self) -> str:
        """Return the permissions as ``Area=level`` pairs, for the command line output."""
        return ", ".join(f"{area}={self.level(area).label.lower()}" for area in AREAS)


class KeyRing:
    """The keys a sandbox accepts, compared in constant time."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._keys = list(keys)
        if not self._keys:
            raise ValueError("the sandbox needs at least one API key")

    def find(self, provided: str) -> ApiKey | None:
        found = None
        encoded = provided.encode("utf-8")
        for key in self._keys:
            if hmac.compare_digest(encoded, key.key.encode("utf-8")):
                found = key
        return found

    def add(self, key: ApiKey) -> None:
        self._keys.append(key)


def parse_permissions(text: str) -> dict[str, Permission]:
    """Parse ``"Job=read,Candidate=none"`` as used on the command line."""
    permissions: dict[str, Permission] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        area, separator, level = item.partition("=")
        if not separator:
            raise ValueError(f"invalid permission {item.strip()!r}: expected AREA=none|read|write")
        permissions[_canonical_area(area)] = Permission.parse(level)
    return permissions
