-- Grain: one row per job, including jobs without hires. A job is filled when its hires
-- reach its headcount, or 1 when Pinpoint has none. Time to fill runs from the job's
-- opening to that hire, as elapsed time between UTC instants.
with

jobs as (
    select
        id as job_id,
        name as job_name,
        status,
        opened_at,
        closed_at,
        headcount
    from {{dataset}}.jobs
    where remote_deleted_at is null
),

hires as (
    select * from {{reports}}.job_time_to_hire
),

ranked_hires as (
    select
        job_id,
        days_to_hire,
        row_number() over (
            partition by job_id order by days_to_hire, application_id
        ) as duration_rank,
        count(*) over (partition by job_id) as hire_count
    from hires
    where days_to_hire is not null
),

hire_durations as (
    select
        job_id,
        avg(days_to_hire) as average_days_to_hire,
        -- The middle value, or the mean of the two middle values (see job_stage_funnel).
        avg(
            case
                when 2 * duration_rank between hire_count and hire_count + 2 then days_to_hire
            end
        ) as median_days_to_hire
    from ranked_hires
    group by job_id
),

job_hires as (
    select
        job.job_id,
        count(hire.application_id) as hire_count,
        min(hire.hired_at) as first_hired_at,
        max(
            case
                when hire.hire_number = case when job.headcount >= 1 then job.headcount else 1 end
                    then hire.hired_at
            end
        ) as filled_at
    from jobs as job
    left join hires as hire
        on hire.job_id = job.job_id
    group by job.job_id
),

final as (
    select
        job.job_id,
        job.job_name,
        job.status,
        job.opened_at,
        job.closed_at,
        job.headcount,
        job_hire.hire_count,
        job_hire.first_hired_at,
        (epoch(job_hire.first_hired_at) - epoch(job.opened_at)) / 86400.0 as days_to_first_hire,
        job_hire.filled_at,
        (epoch(job_hire.filled_at) - epoch(job.opened_at)) / 86400.0 as days_to_fill,
        job_hire.filled_at is not null as is_filled,
        hire_duration.median_days_to_hire,
        hire_duration.average_days_to_hire
    from jobs as job
    inner join job_hires as job_hire
        on job_hire.job_id = job.job_id
    left join hire_durations as hire_duration
        on hire_duration.job_id = job.job_id
)

select * from final
