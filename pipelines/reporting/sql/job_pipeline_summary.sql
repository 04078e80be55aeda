-- Grain: one row per job, including jobs without applications, with the state of its
-- pipeline as of the build. An application is stalled when it is active and has been in
-- its current stage for more than 30 days.
with

jobs as (
    select
        id as job_id,
        name as job_name,
        status,
        department,
        opened_at,
        closed_at,
        headcount
    from {{dataset}}.jobs
    where remote_deleted_at is null
),

interviews as (
    select
        application_id,
        starting_at
    from {{dataset}}.interviews
    where remote_deleted_at is null
),

progress as (
    select * from {{reports}}.application_progress
),

application_counts as (
    select
        job.job_id,
        count(progress.application_id) as application_count,
        sum(case when progress.is_active then 1 else 0 end) as active_count,
        sum(case when progress.outcome = 'HIRED' then 1 else 0 end) as hired_count,
        sum(case when progress.outcome = 'DECLINED' then 1 else 0 end) as declined_count,
        sum(case when progress.reached_interview then 1 else 0 end) as interviewed_count,
        sum(coalesce(progress.interview_count, 0)) as interview_count,
        sum(
            case when progress.is_active and progress.days_in_current_stage > 30 then 1 else 0 end
        ) as stalled_count,
        max(progress.applied_at) as last_applied_at
    from jobs as job
    left join progress
        on progress.job_id = job.job_id
    group by job.job_id
),

upcoming_interviews as (
    select
        progress.job_id,
        count(*) as upcoming_interview_count
    from interviews as interview
    inner join progress
        on progress.application_id = interview.application_id
    where interview.starting_at > {{as_of}}
    group by progress.job_id
),

ranked_waits as (
    select
        job_id,
        days_in_current_stage,
        row_number() over (
            partition by job_id order by days_in_current_stage, application_id
        ) as wait_rank,
        count(*) over (partition by job_id) as wait_count
    from progress
    where is_active
        and days_in_current_stage is not null
),

waits as (
    select
        job_id,
        -- The middle value, or the mean of the two middle values (see job_stage_funnel).
        avg(
            case
                when 2 * wait_rank between wait_count and wait_count + 2
                    then days_in_current_stage
            end
        ) as median_days_in_current_stage
    from ranked_waits
    group by job_id
),

-- An open job counts to now even if Pinpoint kept an old closing time from before it
-- reopened. A closed job without a closing time has no known span.
job_spans as (
    select
        job_id,
        case
            when status = 'OPEN' then {{as_of}}
            when closed_at is not null then closed_at
            when status in ('CLOSED', 'ARCHIVED') then null
            else {{as_of}}
        end as open_until
    from jobs
),

final as (
    select
        job.job_id,
        job.job_name,
        job.status,
        job.department,
        job.opened_at,
        job.closed_at,
        (epoch(job_span.open_until) - epoch(job.opened_at)) / 86400.0 as days_open,
        job.headcount,
        application_count.application_count,
        application_count.active_count,
        application_count.hired_count,
        application_count.declined_count,
        application_count.interviewed_count,
        application_count.interview_count,
        coalesce(upcoming_interview.upcoming_interview_count, 0) as upcoming_interview_count,
        application_count.stalled_count,
        wait.median_days_in_current_stage,
        case
            when job.headcount is null then null
            when job.headcount > application_count.hired_count
                then job.headcount - application_count.hired_count
            else 0
        end as open_positions,
        application_count.last_applied_at,
        {{as_of}} as as_of
    from jobs as job
    inner join application_counts as application_count
        on application_count.job_id = job.job_id
    inner join job_spans as job_span
        on job_span.job_id = job.job_id
    left join upcoming_interviews as upcoming_interview
        on upcoming_interview.job_id = job.job_id
    left join waits as wait
        on wait.job_id = job.job_id
)

select * from final
