-- Grain: one row per hire, that is per application whose outcome is HIRED and whose hire
-- time is known, with its job. Durations are elapsed time between UTC instants.
with

jobs as (
    select
        id as job_id,
        name as job_name,
        opened_at
    from {{dataset}}.jobs
),

progress as (
    select * from {{reports}}.application_progress
),

hires as (
    select
        application_id,
        job_id,
        candidate_id,
        source,
        applied_at,
        hired_at,
        days_to_hire
    from progress
    where outcome = 'HIRED'
        and hired_at is not null
),

final as (
    select
        hire.application_id,
        hire.job_id,
        job.job_name,
        hire.candidate_id,
        hire.source,
        hire.applied_at,
        hire.hired_at,
        -- application_id orders hires at the same instant, so numbers never change between builds.
        row_number() over (
            partition by hire.job_id order by hire.hired_at, hire.application_id
        ) as hire_number,
        (epoch(hire.hired_at) - epoch(hire.applied_at)) / 3600.0 as hours_to_hire,
        hire.days_to_hire,
        (epoch(hire.hired_at) - epoch(job.opened_at)) / 86400.0 as days_since_job_opened,
        -- The month in UTC, whatever the session time zone.
        cast(date_trunc('month', hire.hired_at at time zone 'UTC') as date) as hired_month
    from hires as hire
    left join jobs as job
        on job.job_id = hire.job_id
)

select * from final
