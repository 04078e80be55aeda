-- Grain: one row per account and stage type of the funnel (applied, review, interview,
-- offer, hired), across the account's jobs, so jobs with different stage names compare
-- on one scale.
-- An application has reached a type when its furthest stage is at or past the job's
-- first stage of that type. In a job without a review stage, an interviewed
-- application counts as past review.
with

stage_types as (
    select 'applied' as stage_type, 1 as type_position
    union all
    select 'review', 2
    union all
    select 'interview', 3
    union all
    select 'offer', 4
    union all
    select 'hired', 5
),

job_stages as (
    select
        job_stage.account,
        job_stage.job_id,
        stage.stage_type
    from {{dataset}}.job_application_stages as job_stage
    inner join {{dataset}}.application_stages as stage
        on stage.id = job_stage.stage_id
    where job_stage.remote_deleted_at is null
        and stage.remote_deleted_at is null
),

progress as (
    select * from {{reports}}.application_progress
),

history as (
    select * from {{reports}}.application_stage_history
),

accounts as (
    select account from progress
    union
    select account from job_stages
),

account_types as (
    select
        account.account,
        stage_type.stage_type,
        stage_type.type_position
    from accounts as account
    cross join stage_types as stage_type
),

type_jobs as (
    select
        account,
        stage_type,
        count(distinct job_id) as job_count
    from job_stages
    group by account, stage_type
),

reach_counts as (
    select
        progress.account,
        stage_type.stage_type,
        sum(
            case
                when progress.reached_stage_type_position >= stage_type.type_position then 1
                else 0
            end
        ) as reached_count,
        sum(
            case when progress.current_stage_type = stage_type.stage_type then 1 else 0 end
        ) as current_count
    from stage_types as stage_type
    cross join progress
    group by progress.account, stage_type.stage_type
),

rejection_counts as (
    select
        account,
        rejected_from_stage_type as stage_type,
        count(*) as rejected_count
    from progress
    where rejected_from_stage_type is not null
    group by account, rejected_from_stage_type
),

visit_counts as (
    select
        account,
        stage_type,
        count(distinct application_id) as visited_count
    from history
    group by account, stage_type
),

timed_visits as (
    select
        account,
        stage_type,
        duration_hours,
        row_number() over (
            partition by account, stage_type
            order by duration_hours, application_id, visit_number
        ) as duration_rank,
        count(*) over (partition by account, stage_type) as duration_count
    from history
    where duration_hours is not null
        and stage_type in ('applied', 'review', 'interview', 'offer')
),

type_durations as (
    select
        account,
        stage_type,
        max(duration_count) as timed_visit_count,
        -- The middle value, or the mean of the two middle values (see job_stage_funnel).
        avg(
            case
                when 2 * duration_rank between duration_count and duration_count + 2
                    then duration_hours
            end
        ) as median_hours_in_stage
    from timed_visits
    group by account, stage_type
),

type_counts as (
    select
        stage_type.account,
        stage_type.stage_type,
        stage_type.type_position,
        coalesce(type_job.job_count, 0) as job_count,
        coalesce(reach_count.reached_count, 0) as reached_count,
        coalesce(visit_count.visited_count, 0) as visited_count,
        coalesce(reach_count.current_count, 0) as current_count,
        coalesce(rejection_count.rejected_count, 0) as rejected_count,
        coalesce(type_duration.timed_visit_count, 0) as timed_visit_count,
        type_duration.median_hours_in_stage
    from account_types as stage_type
    left join type_jobs as type_job
        on type_job.stage_type = stage_type.stage_type
        and type_job.account is not distinct from stage_type.account
    left join reach_counts as reach_count
        on reach_count.stage_type = stage_type.stage_type
        and reach_count.account is not distinct from stage_type.account
    left join visit_counts as visit_count
        on visit_count.stage_type = stage_type.stage_type
        and visit_count.account is not distinct from stage_type.account
    left join rejection_counts as rejection_count
        on rejection_count.stage_type = stage_type.stage_type
        and rejection_count.account is not distinct from stage_type.account
    left join type_durations as type_duration
        on type_duration.stage_type = stage_type.stage_type
        and type_duration.account is not distinct from stage_type.account
),

final as (
    select
        account,
        stage_type,
        type_position,
        job_count,
        reached_count,
        visited_count,
        current_count,
        rejected_count,
        cast(reached_count as double) / nullif(
            lag(reached_count) over (partition by account order by type_position), 0
        ) as conversion_from_previous,
        cast(reached_count as double) / nullif(
            first_value(reached_count) over (
                partition by account order by type_position
            ),
            0
        ) as conversion_from_first,
        timed_visit_count,
        median_hours_in_stage
    from type_counts
)

select * from final
