"""Connection settings, read the dlt way and validated before any request.

Sources of each value, first match wins: explicit arguments (the CLI's options), then
dlt's providers: environment variables (`SOURCES__PINPOINT__API_KEY`,
`SOURCES__PINPOINT__SUBDOMAIN`, `SOURCES__PINPOINT__BASE_URL`), then `.dlt/secrets.toml`
and `.dlt/config.toml` under `[sources.pinpoint]`.

Several accounts are configured as named sections, `[sources.pinpoint.accounts.<name>]`
(environment: `SOURCES__PINPOINT__ACCOUNTS__<NAME>__API_KEY`), each with the same keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import dlt

from pipelines.pinpoint.errors import PinpointConfigurationError

__all__ = [
    "PinpointSettings",
    "account_section",
    "configured_account_names",
    "resolve_settings",
]

_SUBDOMAIN_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ACCOUNT_NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFAULT_SECTION = "sources.pinpoint"


def _missing_credentials_help(section: str) -> str:
    variable = section.upper().replace(".", "__")
    return (
        f"set [{section}] api_key in .dlt/secrets.toml and subdomain in .dlt/config.toml, "
        f"or the environment variables {variable}__API_KEY and {variable}__SUBDOMAIN; "
        "to try the connector without an account, run `pinpoint demo`"
    )


def account_section(name: str) -> str:
    """Return the config section of a named account, validating the name."""
    if not ACCOUNT_NAME_PATTERN.match(name):
        raise PinpointConfigurationError(
            f"account name {name!r} is invalid: use 1 to 40 lowercase letters, digits and "
            "underscores, starting with a letter"
        )
    return f"{DEFAULT_SECTION}.accounts.{name}"


def configured_account_names() -> list[str]:
    """Return the account names under `[sources.pinpoint.accounts]`, sorted.

    Environment variables cannot be listed, so set-ups configured only through the
    environment name their accounts in `SOURCES__PINPOINT__ACCOUNT_NAMES` (comma-separated).
    """
    names: set[str] = set()
    listed = _lookup(f"{DEFAULT_SECTION}.account_names")
    if isinstance(listed, str):
        names.update(part.strip() for part in listed.split(",") if part.strip())
    elif isinstance(listed, list):
        names.update(str(part) for part in listed)
    accounts = _lookup(f"{DEFAULT_SECTION}.accounts")
    if isinstance(accounts, dict):
        names.update(str(name) for name in accounts)
    return sorted(names)


@dataclass(frozen=True)
class PinpointSettings:
    """Where the account is and how to reach it. `repr` never shows the key."""

    base_url: str
    api_key: str
    account: str

    def __repr__(self) -> str:
        return f"PinpointSettings(base_url={self.base_url!r}, account={self.account!r})"


def resolve_settings(
    *,
    api_key: str | None = None,
    subdomain: str | None = None,
    base_url: str | None = None,
    account: str | None = None,
    section: str = DEFAULT_SECTION,
) -> PinpointSettings:
    """Return validated settings, or raise `PinpointConfigurationError` naming the fix.

    `section` is the config section to read, `sources.pinpoint` or a named account's.
    """
    api_key = api_key or _lookup(f"{section}.api_key", secret=True)
    subdomain = subdomain or _lookup(f"{section}.subdomain")
    base_url = base_url or _lookup(f"{section}.base_url")
    account = account or _lookup(f"{section}.account")
    missing_help = _missing_credentials_help(section)

    if not api_key:
        raise PinpointConfigurationError(f"Pinpoint API key is missing: {missing_help}")
    if not isinstance(api_key, str) or api_key.strip() != api_key or " " in api_key:
        raise PinpointConfigurationError(
            "Pinpoint API key is invalid: it contains spaces or line breaks; copy it again "
            "from Settings > API & Webhooks > API Keys in Pinpoint"
        )

    if base_url:
        parts = urlsplit(str(base_url))
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise PinpointConfigurationError(
                f"base_url {base_url!r} is invalid: expected an http(s) URL such as "
                "https://acme.pinpointhq.com/api/v1"
            )
        resolved_url = str(base_url).rstrip("/")
        resolved_account = account or subdomain or parts.hostname
    elif subdomain:
        subdomain = str(subdomain).strip().lower()
        if subdomain.endswith(".pinpointhq.com"):
            subdomain = subdomain.removesuffix(".pinpointhq.com")
        if not _SUBDOMAIN_PATTERN.match(subdomain):
            raise PinpointConfigurationError(
                f"subdomain {subdomain!r} is invalid: use the part before .pinpointhq.com "
                "of the address you log in at (for acme.pinpointhq.com, use acme)"
            )
        resolved_url = f"https://{subdomain}.pinpointhq.com/api/v1"
        resolved_account = account or subdomain
    else:
        raise PinpointConfigurationError(
            f"Pinpoint subdomain is missing: {missing_help}; "
            "or pass --base-url for another Pinpoint-compatible server"
        )
    return PinpointSettings(base_url=resolved_url, api_key=api_key, account=str(resolved_account))


def _lookup(key: str, *, secret: bool = False) -> Any:
    provider = dlt.secrets if secret else dlt.config
    try:
        return provider.get(key)
    except Exception as error:  # dlt raises provider-specific errors for unreadable files
        raise PinpointConfigurationError(
            f"could not read {key} from the dlt configuration ({type(error).__name__}); "
            "check .dlt/config.toml and .dlt/secrets.toml for syntax errors"
        ) from None
