"""Privacy policies: which personal values are kept, dropped or pseudonymised, and erasure.

A `PrivacyPolicy` is a preset (`none`, `analytics` or `strict`) plus rules that override
it. Each rule maps a path (described in `privacy_inventory`) to `keep`, `drop` or
`pseudonymise`. A policy turns into the two hooks of `run_sync`:

    policy = resolve_privacy("analytics")
    result = run_sync(settings, pipeline, **policy.sync_options())

`sync_options()` returns the row filter, which applies the rules in the extract step, and
the erasure step (`erasure.ErasureStep`), which runs after the load. Pseudonyms are
HMAC-SHA256 under the key `[sources.pinpoint] privacy_key` (environment:
`SOURCES__PINPOINT__PRIVACY_KEY`). The TOML format is described in `docs/privacy.md`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import dlt
import pyarrow as pa

from pipelines.pinpoint.erasure import DEFAULT_RETENTION_DAYS, ErasureStep
from pipelines.pinpoint.errors import PinpointConfigurationError
from pipelines.pinpoint.privacy_filter import (
    NEVER_LOADED_ATTRIBUTES,
    PrivacyRowFilter,
    Pseudonymiser,
    compile_plans,
)
from pipelines.pinpoint.privacy_inventory import JSON_FIELDS, PROTECTED_COLUMNS
from pipelines.pinpoint.privacy_presets import DEFAULT_PRESET, PRESETS, Action
from pipelines.pinpoint.tables import TABLES

__all__ = [
    "CONFIG_KEY",
    "KEY_SETTING",
    "MIN_KEY_LENGTH",
    "Action",
    "PrivacyPolicy",
    "resolve_privacy",
]

CONFIG_KEY = "sources.pinpoint.privacy"
KEY_SETTING = "sources.pinpoint.privacy_key"
MIN_KEY_LENGTH = 16

_ACTION_NAMES = {
    "keep": Action.KEEP,
    "drop": Action.DROP,
    "pseudonymise": Action.PSEUDONYMISE,
    "pseudonymize": Action.PSEUDONYMISE,
}
_CONFIG_KEYS = frozenset({"preset", "retention_days", "rules"})
_ATTRIBUTE_PATTERN = re.compile(r"^(\*|[A-Za-z0-9_]+)$")
_KEY_HELP = (
    f"set [sources.pinpoint] privacy_key in .dlt/secrets.toml or the environment variable "
    f"SOURCES__PINPOINT__PRIVACY_KEY to a random secret of at least {MIN_KEY_LENGTH} "
    'characters, for example the output of python -c "import secrets; '
    'print(secrets.token_hex(32))"'
)


@dataclass(frozen=True)
class PrivacyPolicy:
    """Rules by path, on top of a preset, and the retention of rows deleted in Pinpoint.

    `name` is the preset or the file the policy came from, for messages. `rules` contains
    the preset's rules merged with the overrides, and paths without a rule are kept. Rows
    marked `remote_deleted_at` are purged `retention_days` after the mark.
    """

    name: str = DEFAULT_PRESET
    rules: Mapping[str, Action] = field(default_factory=dict)
    retention_days: int = DEFAULT_RETENTION_DAYS

    def __post_init__(self) -> None:
        validated = {path: _validate_rule(path, action) for path, action in self.rules.items()}
        object.__setattr__(self, "rules", MappingProxyType(validated))
        _validate_retention(self.retention_days)

    @classmethod
    def preset(cls, name: str, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> PrivacyPolicy:
        """Return a built-in preset; raise `PinpointConfigurationError` for an unknown name."""
        if name not in PRESETS:
            raise PinpointConfigurationError(
                f"privacy preset {name!r} is unknown; use one of {', '.join(PRESETS)}"
            )
        return cls(name, dict(PRESETS[name]), retention_days)

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any], *, name: str | None = None) -> PrivacyPolicy:
        """Build a policy from `{"preset": ..., "retention_days": ..., "rules": {...}}`.

        Every key is optional: the preset defaults to `none`, the retention to 30 days.
        """
        unknown = sorted(set(config) - _CONFIG_KEYS)
        if unknown:
            raise PinpointConfigurationError(
                f"privacy configuration has unknown key(s) {', '.join(unknown)}; "
                f"valid keys: {', '.join(sorted(_CONFIG_KEYS))}"
            )
        preset = config.get("preset", DEFAULT_PRESET)
        if not isinstance(preset, str):
            raise PinpointConfigurationError(
                f"privacy preset must be a string such as 'analytics', not {preset!r}"
            )
        retention = config.get("retention_days", DEFAULT_RETENTION_DAYS)
        rules = config.get("rules") or {}
        if not isinstance(rules, Mapping):
            raise PinpointConfigurationError(
                'privacy rules must be a table of "path" = "action" entries, '
                f"not {type(rules).__name__}"
            )
        base = cls.preset(preset, retention_days=retention)
        return base.with_rules(rules, name=name or preset)

    @classmethod
    def from_toml(cls, path: str | Path) -> PrivacyPolicy:
        """Read a policy file with top-level `preset`, `retention_days` and `[rules]`."""
        file = Path(path)
        try:
            with file.open("rb") as handle:
                config = tomllib.load(handle)
        except FileNotFoundError:
            raise PinpointConfigurationError(f"privacy file {file} was not found") from None
        except tomllib.TOMLDecodeError as error:
            raise PinpointConfigurationError(
                f"privacy file {file} is not valid TOML: {error}"
            ) from None
        return cls.from_mapping(config, name=str(file))

    def with_rules(
        self,
        rules: Mapping[str, str | Action],
        *,
        retention_days: int | None = None,
        name: str | None = None,
    ) -> PrivacyPolicy:
        """Return a copy with `rules` added to (and overriding) this policy's rules."""
        merged: dict[str, Any] = {**self.rules, **rules}
        return PrivacyPolicy(
            name or self.name,
            merged,
            self.retention_days if retention_days is None else retention_days,
        )

    def action(self, path: str) -> Action:
        """Return the action on `path`: its rule, the `remote_data.*` rule, else keep."""
        if path in self.rules:
            return self.rules[path]
        table, column, *rest = path.split(".")
        if column == "remote_data" and rest:
            return self.rules.get(f"{table}.remote_data.*", Action.KEEP)
        return Action.KEEP

    @property
    def pseudonymised_paths(self) -> list[str]:
        return sorted(path for path, action in self.rules.items() if action == Action.PSEUDONYMISE)

    def row_filter(self, key: str | bytes | None = None) -> PrivacyRowFilter:
        """Return the row filter of this policy for `pinpoint_source` and `run_sync`.

        Without `key`, the key is read the dlt way when the policy pseudonymises anything.
        Raises `PinpointConfigurationError` when that key is missing or too short.
        """
        pseudonymiser = None
        if self.pseudonymised_paths:
            pseudonymiser = Pseudonymiser(self._key(key))
        return PrivacyRowFilter(compile_plans(self.rules), pseudonymiser)

    def after_load_step(self, row_filter: PrivacyRowFilter | None = None) -> ErasureStep:
        """Return the erasure step; pass the sync's row filter to share what it saw."""
        tracker = row_filter.tracker if row_filter is not None else None
        return ErasureStep(retention_days=self.retention_days, tracker=tracker)

    def sync_options(self, key: str | bytes | None = None) -> dict[str, Any]:
        """Return `row_filter` and `after_load` keyword arguments for `run_sync`."""
        row_filter = self.row_filter(key)
        return {"row_filter": row_filter, "after_load": [self.after_load_step(row_filter)]}

    def _key(self, key: str | bytes | None) -> bytes:
        paths = self.pseudonymised_paths
        if key is None:
            try:
                key = dlt.secrets.get(KEY_SETTING)
            except Exception as error:  # dlt raises provider-specific errors for bad files
                raise PinpointConfigurationError(
                    f"could not read {KEY_SETTING} from the dlt configuration "
                    f"({type(error).__name__}); check .dlt/secrets.toml for syntax errors"
                ) from None
        if not key:
            raise PinpointConfigurationError(
                f"privacy policy {self.name!r} pseudonymises {len(paths)} value(s), such as "
                f"{paths[0]}, but the privacy key is missing; {_KEY_HELP}"
            )
        raw = key if isinstance(key, bytes) else str(key).encode()
        if len(raw.strip()) < MIN_KEY_LENGTH:
            raise PinpointConfigurationError(
                f"the privacy key is too short ({len(raw.strip())} characters); {_KEY_HELP}"
            )
        return raw.strip()


def resolve_privacy(preset_or_path: str | None) -> PrivacyPolicy:
    """Return the policy for the CLI's `--privacy` value.

    The value is a preset name or the path of a TOML file. Without a value, the dlt
    setting `[sources.pinpoint] privacy` is read: a preset, a path, or a table in the
    file's format. Without that setting, the `none` preset applies.
    """
    if preset_or_path is None:
        configured = _configured_privacy()
        if configured is None:
            return PrivacyPolicy.preset(DEFAULT_PRESET)
        if isinstance(configured, Mapping):
            return PrivacyPolicy.from_mapping(dict(configured), name=CONFIG_KEY)
        preset_or_path = str(configured)
    if preset_or_path in PRESETS:
        return PrivacyPolicy.preset(preset_or_path)
    if preset_or_path.endswith(".toml") or Path(preset_or_path).is_file():
        return PrivacyPolicy.from_toml(preset_or_path)
    raise PinpointConfigurationError(
        f"privacy {preset_or_path!r} is neither a preset nor a TOML file; use one of "
        f"{', '.join(PRESETS)} or the path of a .toml file"
    )


def _configured_privacy() -> Any:
    try:
        return dlt.config.get(CONFIG_KEY)
    except Exception as error:  # dlt raises provider-specific errors for unreadable files
        raise PinpointConfigurationError(
            f"could not read {CONFIG_KEY} from the dlt configuration ({type(error).__name__}); "
            "check .dlt/config.toml for syntax errors"
        ) from None


def _validate_retention(days: Any) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise PinpointConfigurationError(
            f"privacy retention_days must be a whole number of days, 0 or more, not {days!r}"
        )


def _validate_rule(path: Any, action: Any) -> Action:
    """Return the rule's action, or raise `PinpointConfigurationError` naming the problem."""
    resolved = _ACTION_NAMES.get(str(action).lower()) if isinstance(action, str) else None
    if resolved is None:
        raise PinpointConfigurationError(
            f"privacy rule {path!r}: action {action!r} is invalid; use keep, drop or pseudonymise"
        )
    parts = str(path).split(".")
    if len(parts) not in (2, 3) or parts[0] not in TABLES:
        raise PinpointConfigurationError(
            f"privacy rule {path!r}: expected table.column or table.column.field with one of "
            f"the tables {', '.join(sorted(TABLES))}"
        )
    table, column, *rest = parts
    kinds = dict(TABLES[table].columns)
    if column not in kinds:
        raise PinpointConfigurationError(
            f"privacy rule {path!r}: {table} has no column {column!r}; columns: "
            f"{', '.join(name for name in kinds if name not in PROTECTED_COLUMNS)}"
        )
    if column in PROTECTED_COLUMNS:
        raise PinpointConfigurationError(
            f"privacy rule {path!r}: {column} cannot be changed, because merges, incremental "
            "reads and deletion marking depend on it"
        )
    if not rest:
        if resolved == Action.PSEUDONYMISE and kinds[column] != pa.string():
            raise PinpointConfigurationError(
                f"privacy rule {path!r}: only text columns and fields can be pseudonymised; "
                f"name the fields of a JSON column, such as {table}.{column}.<field>"
            )
        return resolved
    return _validate_nested_rule(str(path), table, column, rest[0], resolved)


def _validate_nested_rule(path: str, table: str, column: str, name: str, action: Action) -> Action:
    if column == "remote_data":
        if not _ATTRIBUTE_PATTERN.match(name):
            raise PinpointConfigurationError(
                f"privacy rule {path!r}: {name!r} is not an attribute name or *"
            )
        if name in NEVER_LOADED_ATTRIBUTES and action != Action.DROP:
            raise PinpointConfigurationError(
                f"privacy rule {path!r}: {name} is never loaded, so it can only be dropped"
            )
        return action
    fields = JSON_FIELDS.get((table, column))
    if fields is None or name not in fields:
        known = ", ".join(sorted(fields)) if fields else "none (rules can name the column only)"
        raise PinpointConfigurationError(
            f"privacy rule {path!r}: {table}.{column} has no field {name!r}; fields: {known}"
        )
    return action
