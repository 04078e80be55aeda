"""Append the stage each application is in to a history table that syncs never rewrite.

Pinpoint keeps only an application's current and furthest stage, so the time an
application spent in each stage is lost unless someone looks regularly. Every report
build (after each sync, and on `pinpoint report`) appends one row to
`<dataset>.application_stage_observations` for each application whose current or
furthest stage differs from its latest row, or that has no row yet. The table lives in
the loaded dataset, not in the reports schema, because the reports schema is rebuilt
from scratch and this table cannot be: its rows are the only record of past stages.

The SQL is plain DuckDB SQL run through the destination's sql_client and transpiled
with sqlglot, like the reports, so the table works on every SQL destination.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dlt
from dlt.destinations.sql_client import SqlClientBase

from pipelines.reporting.dialects import destination_dialect, timestamp_literal, transpile

__all__ = ["OBSERVATIONS_TABLE", "append_stage_observations", "record_stage_observations"]

OBSERVATIONS_TABLE = "application_stage_observations"

_CREATE_TABLE = """
create table if not exists {table} (
    application_id varchar not null,
    observation_number bigint not null,
    job_id varchar,
    stage_id varchar not null,
    furthest_stage_id varchar,
    application_updated_at timestamp with time zone,
    hired_at timestamp with time zone,
    rejected_at timestamp with time zone,
    observed_at timestamp with time zone not null
)
"""

# observation_number counts each application's rows from 1, so the order of its
# observations never depends on timestamps, which can be equal.
_APPEND_CHANGES = """
insert into {table} (
    application_id,
    observation_number,
    job_id,
    stage_id,
    furthest_stage_id,
    application_updated_at,
    hired_at,
    rejected_at,
    observed_at
)
with

latest_numbers as (
    select
        application_id,
        max(observation_number) as observation_number
    from {table}
    group by application_id
),

latest as (
    select
        observation.application_id,
        observation.observation_number,
        observation.stage_id,
        observation.furthest_stage_id
    from {table} as observation
    inner join latest_numbers
        on latest_numbers.application_id = observation.application_id
        and latest_numbers.observation_number = observation.observation_number
)

select
    application.id,
    coalesce(latest.observation_number, 0) + 1,
    application.job_id,
    application.current_stage_id,
    application.furthest_stage_id,
    coalesce(application.remote_updated_at, application.changed_at),
    application.hired_at,
    application.rejected_at,
    {observed_at}
from {dataset}.applications as application
left join latest
    on latest.application_id = application.id
where application.remote_deleted_at is null
    and application.current_stage_id is not null
    and (
        latest.application_id is null
        or latest.stage_id <> application.current_stage_id
        -- A new furthest stage with the same current stage means the application went
        -- further and came back between two syncs.
        or coalesce(latest.furthest_stage_id, '') <> coalesce(application.furthest_stage_id, '')
    )
"""


def record_stage_observations(
    pipeline: dlt.Pipeline, *, observed_at: datetime | None = None
) -> int:
    """Append the stage changes of the pipeline's applications; return the rows appended.

    `observed_at` defaults to the current time. `build_reports` calls the same step
    before it builds the reports, so call this only to record without rebuilding.
    """
    moment = datetime.now(UTC) if observed_at is None else observed_at
    with pipeline.sql_client() as client:
        dialect = destination_dialect(client, pipeline.destination.destination_name)
        dataset = client.capabilities.escape_identifier(pipeline.dataset_name)
        return append_stage_observations(client, dataset, dialect, moment)


def append_stage_observations(
    client: SqlClientBase[object], dataset_identifier: str, dialect: str, observed_at: datetime
) -> int:
    """Create the observations table if needed and append changed stages in one transaction.

    `dataset_identifier` is the escaped schema name of the loaded tables. Returns the
    number of rows appended.
    """
    escape = client.capabilities.escape_identifier
    table = f"{dataset_identifier}.{escape(OBSERVATIONS_TABLE)}"
    create = _CREATE_TABLE.format(table=table)
    append = _APPEND_CHANGES.format(
        table=table, dataset=dataset_identifier, observed_at=timestamp_literal(observed_at)
    )
    count = f"select count(*) from {table}"
    with client.begin_transaction():
        client.execute_sql(transpile(create, dialect))
        before = _scalar(client, count)
        client.execute_sql(transpile(append, dialect))
        after = _scalar(client, count)
    return after - before


def _scalar(client: SqlClientBase[object], sql: str) -> int:
    rows = client.execute_sql(sql)
    return int(rows[0][0]) if rows else 0
