"""The memory limit of the DuckDB file that the connector loads into.

dlt's load step copies each parquet file into a staging table and merges it into the
final table. DuckDB keeps those rows in its buffer manager, whose default limit is 80% of
the machine's memory (DuckDB 2.0 documentation, "Limits"), so without a lower limit the
process's peak memory grows with the size of the account. With `memory_limit` set,
DuckDB evicts blocks instead: it drops blocks that are already in the database file and
writes the others to its temporary directory, by default `<database file>.tmp`, whose
files it deletes when it no longer needs them. The limit covers only the buffer manager,
so the process uses more than the limit: the Python side of the sync and some of
DuckDB's own allocations come on top.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt.common.destination import Destination
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from pipelines.pinpoint.errors import PinpointConfigurationError

__all__ = [
    "DEFAULT_DUCKDB_MEMORY_LIMIT",
    "MEMORY_LIMIT_KEY",
    "duckdb_destination",
    "resolve_duckdb_memory_limit",
]

DEFAULT_DUCKDB_MEMORY_LIMIT = "768MiB"
"""Default DuckDB memory limit.

Measured with `benchmarks/run.py --sizes 100000,300000 --phases none` on 2 cores, on
two versions of the connector. From 100,000 to 300,000 applications, a full sync's peak
RSS grew 11% and 13% with this limit, 16% and 18% with 1GiB, and 27% and 73% without a
limit. Replaying the load step of 300,000 applications took about 0.5 s more CPU time
than without a limit, and 1.2 s more with 512MiB. These are measurements on one machine,
not a guarantee for other accounts."""

MEMORY_LIMIT_KEY = "sources.pinpoint.duckdb_memory_limit"
"""dlt configuration key of the limit; its environment variable is
SOURCES__PINPOINT__DUCKDB_MEMORY_LIMIT."""

DLT_GLOBAL_CONFIG_KEY = "destination.duckdb.credentials.global_config"
"""dlt's own key for DuckDB settings, which dlt applies to every connection it opens."""

_SIZE_EXAMPLES = "a number and a unit (KB, MB, GB, TB, KiB, MiB, GiB or TiB), such as 1GiB or 2GB"
# DuckDB also accepts values such as "-1" (no limit) or "2 GB please", which are more
# likely typing errors than intent, so a size must match this first.
_SIZE_PATTERN = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B)", re.IGNORECASE)


def duckdb_destination(path: Path, memory_limit: str | None = None) -> Destination:
    """Create dlt's DuckDB destination for the file at `path` with a memory limit.

    The limit is `memory_limit` if given, else the configured one or the default (see
    `resolve_duckdb_memory_limit`). Credentials passed here replace dlt's configured
    `global_config` as a whole, so the settings configured under
    `[destination.duckdb.credentials.global_config]` are copied into them.
    """
    global_config = _configured_global_config()
    global_config["memory_limit"] = resolve_duckdb_memory_limit(memory_limit)
    return dlt.destinations.duckdb(DuckDbCredentials(str(path), global_config=global_config))


def resolve_duckdb_memory_limit(value: str | None = None) -> str:
    """Return the DuckDB memory limit to use, checked against a size pattern and by DuckDB.

    The first of these that is set wins: `value` (the `--duckdb-memory-limit` option),
    `[sources.pinpoint] duckdb_memory_limit`, `memory_limit` in dlt's
    `[destination.duckdb.credentials.global_config]`, then DEFAULT_DUCKDB_MEMORY_LIMIT.
    Raises PinpointConfigurationError for a value that DuckDB rejects.
    """
    if value is not None:
        return _checked_memory_limit(value, "--duckdb-memory-limit")
    configured = _lookup(MEMORY_LIMIT_KEY, str)
    if configured is not None:
        origin = "[sources.pinpoint] duckdb_memory_limit (SOURCES__PINPOINT__DUCKDB_MEMORY_LIMIT)"
        return _checked_memory_limit(configured, origin)
    native = _configured_global_config().get("memory_limit")
    if native is not None:
        origin = "memory_limit in [destination.duckdb.credentials.global_config]"
        return _checked_memory_limit(native, origin)
    return DEFAULT_DUCKDB_MEMORY_LIMIT


def _checked_memory_limit(value: object, origin: str) -> str:
    """Return `value` stripped, or raise PinpointConfigurationError naming `origin`."""
    if not isinstance(value, str) or not _SIZE_PATTERN.fullmatch(value.strip()):
        raise PinpointConfigurationError(
            f"DuckDB memory limit {value!r} from {origin} is invalid: use {_SIZE_EXAMPLES}"
        )
    text = value.strip()
    # A throwaway in-memory database parses the value exactly as the load's DuckDB will.
    try:
        with duckdb.connect(":memory:") as connection:
            connection.execute("SET memory_limit = ?", [text])
    except duckdb.Error as error:
        reason = str(error).splitlines()[0]
        raise PinpointConfigurationError(
            f"DuckDB memory limit {value!r} from {origin} is invalid ({reason}): "
            f"use {_SIZE_EXAMPLES}"
        ) from None
    return text


def _configured_global_config() -> dict[str, Any]:
    configured = _lookup(DLT_GLOBAL_CONFIG_KEY, dict)
    return dict(configured) if configured else {}


def _lookup(key: str, expected_type: type) -> Any:
    try:
        return dlt.config.get(key, expected_type)
    except Exception as error:  # dlt raises provider-specific errors for unreadable files
        raise PinpointConfigurationError(
            f"could not read {key} from the dlt configuration ({type(error).__name__}); "
            "check .dlt/config.toml, .dlt/secrets.toml and the environment variable "
            f"{key.upper().replace('.', '__')}"
        ) from None
