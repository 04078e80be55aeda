"""Privacy actions and the built-in presets `none`, `analytics` and `strict`.

A preset is a set of rules, each mapping a path (see `privacy_inventory`) to an action.
Paths without a rule are kept, so `none` has no rules at all.
"""

from __future__ import annotations

from enum import StrEnum
from types import MappingProxyType
from typing import Final

from pipelines.pinpoint.privacy_inventory import (
    NON_PERSONAL_ATTRIBUTES,
    PERSONAL_COLUMNS,
    PERSONAL_PATHS,
    Category,
)

__all__ = ["DEFAULT_PRESET", "PRESETS", "PRESET_SUMMARIES", "Action"]


class Action(StrEnum):
    """Treatment of a value before it is loaded."""

    KEEP = "keep"
    DROP = "drop"
    """Load null; a dropped `remote_data` attribute is removed from the resource."""
    PSEUDONYMISE = "pseudonymise"
    """Load HMAC-SHA256 of the normalised value under the configured key, as 64 hex digits."""


_ANALYTICS_ACTIONS: Final = {
    Category.NAME: Action.DROP,
    Category.EMAIL: Action.PSEUDONYMISE,
    Category.PHONE: Action.PSEUDONYMISE,
    Category.ONLINE_PROFILE: Action.DROP,
    Category.ADDRESS: Action.DROP,
    Category.LOCALITY: Action.KEEP,
    Category.COUNTRY: Action.KEEP,
    Category.BIRTH_DATE: Action.DROP,
    Category.FREE_TEXT: Action.DROP,
    Category.SENSITIVE: Action.DROP,
    Category.EXTERNAL_ID: Action.DROP,
    Category.ASSESSMENT: Action.DROP,
    Category.STATUS: Action.DROP,
}


def _analytics() -> dict[str, Action]:
    rules = {entry.path: _ANALYTICS_ACTIONS[entry.category] for entry in PERSONAL_PATHS}
    # Raw resources keep only the attributes known to be safe, so a personal attribute
    # that Pinpoint adds later is dropped until someone classifies it.
    for table, attributes in NON_PERSONAL_ATTRIBUTES.items():
        rules[f"{table}.remote_data.*"] = Action.DROP
        for attribute in attributes:
            rules[f"{table}.remote_data.{attribute}"] = Action.KEEP
    return rules


def _strict() -> dict[str, Action]:
    rules = {entry.path: Action.DROP for entry in PERSONAL_PATHS}
    for table, columns in PERSONAL_COLUMNS.items():
        for column in columns:
            rules[f"{table}.{column}"] = Action.DROP
    return rules


PRESETS: Final = MappingProxyType(
    {
        "none": MappingProxyType({}),
        "analytics": MappingProxyType(_analytics()),
        "strict": MappingProxyType(_strict()),
    }
)
"""Rules of each preset, by path."""

PRESET_SUMMARIES: Final = MappingProxyType(
    {
        "none": "keep everything Pinpoint sends (attachments are never loaded)",
        "analytics": "keep ids, stages, dates, sources, outcomes, job data, towns and "
        "countries; pseudonymise emails and phone numbers; drop names, addresses, dates "
        "of birth, profiles and free text",
        "strict": "drop every personal column and every remote_data of candidates, "
        "applications and interviews; needs no key",
    }
)

DEFAULT_PRESET: Final = "none"
