"""Checks on the fields of action inputs: types, text, email addresses, countries, URLs, ids.

Every reader takes the field's path for messages and a `Problems` collector, and returns
None when the value is missing or invalid, so one pass over an input finds every problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pipelines.actions.errors import Problems
from pipelines.pinpoint.ids import REMOTE_ID_PREFIX

__all__ = [
    "ISO_COUNTRY_CODES",
    "check_keys",
    "country_code",
    "is_email",
    "is_http_url",
    "optional_text",
    "read_list",
    "read_object",
    "record_reference",
    "required_text",
]

# ISO 3166-1 alpha-2, the officially assigned codes.
_COUNTRY_CODE_TEXT = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRY_CODES = frozenset(_COUNTRY_CODE_TEXT.split())
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}

# A dot-atom local part and a domain of letter-digit-hyphen labels with an alphabetic
# top-level label. Quoted local parts and internationalised addresses are rejected.
_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_MAX_EMAIL_LENGTH = 254
_REMOTE_ID = re.compile(r"^[0-9]{1,18}$")
_UNIFIED_ID = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{22}$")


def read_object(value: Any, field: str, problems: Problems) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problems.add(field, f"must be a JSON object, got {_json_type(value)}")
        return None
    return dict(value)


def read_list(value: Any, field: str, problems: Problems) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(field, f"must be a JSON array, got {_json_type(value)}")
        return []
    return value


def check_keys(
    data: Mapping[str, Any], allowed: Iterable[str], field: str, problems: Problems
) -> None:
    """Report keys the input does not define, so that a misspelt field is not ignored."""
    allowed_set = set(allowed)
    for key in data:
        if key not in allowed_set:
            path = f"{field}.{key}" if field else str(key)
            valid = ", ".join(sorted(allowed_set))
            problems.add(path, f"unknown field; valid fields here: {valid}")


def required_text(
    data: Mapping[str, Any], key: str, field: str, problems: Problems, *, max_length: int = 255
) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, "is required and must not be blank")
        return None
    return _text(value, field, problems, max_length)


def optional_text(
    data: Mapping[str, Any], key: str, field: str, problems: Problems, *, max_length: int = 255
) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _text(value, field, problems, max_length)


def is_email(value: str) -> bool:
    return len(value) <= _MAX_EMAIL_LENGTH and _EMAIL.match(value) is not None


def is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and " " not in value


def country_code(value: Any, field: str, problems: Problems) -> str | None:
    """Return an ISO 3166-1 alpha-2 code in upper case; lower case input is accepted."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(field, "must be an ISO 3166-1 alpha-2 country code such as GB or US")
        return None
    code = value.strip().upper()
    if code in ISO_COUNTRY_CODES:
        return code
    hint = _COUNTRY_HINTS.get(code)
    if hint:
        problems.add(field, f"is not an ISO 3166-1 alpha-2 code; use {hint}")
    else:
        problems.add(
            field, "is not an ISO 3166-1 alpha-2 country code; use two letters such as GB or US"
        )
    return None


def record_reference(value: Any, field: str, problems: Problems) -> str | None:
    """Check the form of a record id: a unified id or `remote:<Pinpoint id>`; return it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.add(field, f"is required: a unified id or {REMOTE_ID_PREFIX}<Pinpoint id>")
        return None
    if not isinstance(value, str):
        problems.add(
            field,
            f"must be a string (a unified id or {REMOTE_ID_PREFIX}<Pinpoint id>), "
            f"got {_json_type(value)}",
        )
        return None
    text = value.strip()
    if text.startswith(REMOTE_ID_PREFIX):
        if not _REMOTE_ID.match(text.removeprefix(REMOTE_ID_PREFIX)):
            problems.add(field, f"{text!r} is invalid: a Pinpoint id after 'remote:' is digits")
            return None
        return text
    if not _UNIFIED_ID.match(text):
        problems.add(
            field,
            f"{text!r} is neither a unified id (22 base58 characters, as in the id columns "
            f"of the synced tables) nor {REMOTE_ID_PREFIX}<Pinpoint id>",
        )
        return None
    return text


def _text(value: Any, field: str, problems: Problems, max_length: int) -> str | None:
    if not isinstance(value, str):
        problems.add(field, f"must be a string, got {_json_type(value)}")
        return None
    text = value.strip()
    if len(text) > max_length:
        problems.add(field, f"is {len(text)} characters long; the maximum is {max_length}")
        return None
    if any(ord(character) < 32 and character not in "\n\t" for character in text):
        problems.add(field, "contains control characters; remove them")
        return None
    return text


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__
