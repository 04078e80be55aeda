"""Generate the people behind candidates: names, contact details and addresses.

A small share of people have an invalid or missing email address, and US addresses have
no ``address2`` while only US addresses have a ``state_province``, matching Pinpoint's
documented address rules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pipelines.sandbox.files import GENERATED_CV
from pipelines.sandbox.generate_context import GenerationContext, WeightedChoice
from pipelines.sandbox.records import Record, Ref, shared_tags
from pipelines.sandbox.vocabulary import (
    CANDIDATE_TAGS,
    COUNTRIES,
    COUNTRY_WEIGHTS,
    FIRST_NAMES,
    INVALID_EMAILS,
    LAST_NAMES,
    MIDDLE_NAMES,
    STREETS,
    Country,
)

_COUNTRY_CHOICE = WeightedChoice(COUNTRIES, COUNTRY_WEIGHTS)
_EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXY"


@dataclass(slots=True)
class Person:
    """A generated person; becomes a candidate record once all applications are known."""

    profile: dict[str, Any]
    """Candidate attributes other than timestamps, with ``country`` as an ISO alpha-2 code."""
    country: Country
    linkedin_url: str | None
    created_at: datetime
    last_activity: datetime
    id: str = ""
    ref: Ref = ("candidates", "")
    application_ids: list[str] = field(default_factory=list)

    def assign_id(self, person_id: str) -> None:
        self.id = person_id
        self.ref = ("candidates", person_id)


def new_person(context: GenerationContext, created_at: datetime) -> Person:
    rng = context.rng
    country = _COUNTRY_CHOICE.pick(rng)
    first, last = context.item(FIRST_NAMES), context.item(LAST_NAMES)
    middle = context.item(MIDDLE_NAMES) if context.chance(0.1) else None
    preferred = first[:3] if context.chance(0.05) else None
    handle = f"{first}.{last}".lower().replace(" ", "")

    roll = rng.random()
    if roll < 0.015:
        email: str | None = context.item(INVALID_EMAILS)
    elif roll < 0.025:
        email = None
    else:
        email = f"{handle}{context.integer(1, 999)}@{context.item(_EMAIL_DOMAINS)}"

    has_phone = context.chance(0.8)
    phone = None
    if has_phone:
        phone = country.phone_prefix + str(rng.randrange(10**country.phone_digits)).zfill(
            country.phone_digits
        )
    has_address = context.chance(0.6)
    is_us = country.code == "US"
    profile: dict[str, Any] = {
        "first_name": first,
        "middle_name": middle,
        "last_name": last,
        "preferred_name": preferred,
        "full_name": f"{first} {last}",
        "email": email,
        "phone": phone,
        "phone_iso2": country.code if has_phone else None,
        "date_of_birth": _birth_date(context) if context.chance(0.2) else None,
        "address1": f"{context.integer(1, 240)} {context.item(STREETS)}" if has_address else None,
        "address2": f"Flat {context.integer(1, 30)}"
        if has_address and not is_us and context.chance(0.2)
        else None,
        "town": context.item(country.towns) if context.chance(0.9) else None,
        "state_province": context.item(country.regions) if is_us and has_address else None,
        "postcode": _postcode(context, country.code) if has_address else None,
        "country": country.code,
        "locale": country.locale,
    }
    linkedin_url = None
    if context.chance(0.35):
        slug = handle.replace(".", "-")
        linkedin_url = f"https://www.linkedin.com/in/{slug}-{context.integer(100, 9999)}"
    return Person(profile, country, linkedin_url, created_at, created_at)


def build_candidate(context: GenerationContext, person: Person) -> Record:
    """Build the candidate record once the person's applications are assigned."""
    rng = context.rng
    updated = person.last_activity
    if context.chance(0.15):
        updated = context.between(updated, context.anchor)
    attributes = dict(person.profile)
    attributes.update(
        {
            "blocked": context.chance(0.01),
            "external_system_reference": f"hris-{int(person.id):07d}"
            if context.chance(0.03)
            else None,
            "created_at": person.created_at,
            "updated_at": updated,
        }
    )
    pairs: list[tuple[str, str]] = []
    if context.chance(0.3):
        pairs = rng.sample(CANDIDATE_TAGS, context.integer(1, 2))
    attachments = (GENERATED_CV,) if person.application_ids and context.chance(0.7) else ()
    return Record(
        "candidates",
        person.id,
        attributes,
        relationships={
            "applications": [("applications", app_id) for app_id in person.application_ids]
        },
        extra_attributes={"tags": shared_tags(pairs), "attachments": attachments},
    )


def _birth_date(context: GenerationContext) -> date:
    return date(context.integer(1962, 2004), context.integer(1, 12), context.integer(1, 28))


def _postcode(context: GenerationContext, country_code: str) -> str:
    if country_code == "GB":
        letters = "".join(context.item(_LETTERS) for _ in range(4))
        return f"{letters[:2]}{context.integer(1, 20)} {context.integer(1, 9)}{letters[2:]}"
    if country_code == "NL":
        return f"{context.integer(1000, 9999)} {context.item(_LETTERS)}{context.item(_LETTERS)}"
    if country_code == "IE":
        return f"D{context.integer(1, 24):02d} {context.item(_LETTERS)}{context.integer(100, 999)}"
    return f"{context.integer(10000, 99999)}"
