-- Grain: one row per job and funnel stage (the job's stages in order, without the
-- rejected stage, which is where applications leave the funnel, not a step of it).
-- Jobs without applications keep their rows, with zero counts and null rates.
-- "Reached" is implied from Pinpoint's furthest stage: an application counts as having
-- reached every stage up to its furthest one, even one it skipped. "Visited" counts
-- only visits that application_stage_history records.
with

job_stages as (
    select
        job_stage.job_id,
        job_stage.stage_id,
        job_stage."index" as stage_index,
        stage.name as stage_name,
        stage.stage_type
    from {{dataset}}.job_application_stages as job_stage
    inner join {{dataset}}.application_stages as stage
        on stage.id = job_stage.stage_id
    where job_stage.remote_deleted_at is null
        and stage.remote_deleted_at is null
),

jobs as (
    select
        id as job_id,
        name as job_name
    from {{dataset}}.jobs
),

progress as (
    select * from {{reports}}.application_progress
),

history as (
    select * from {{reports}}.application_stage_history
),

funnel_stages as (
    select
        job_id,
        stage_id,
        stage_name,
        stage_type,
        row_number() over (partition by job_id order by stage_index, stage_id) as funnel_position
    from job_stages
    where stage_type is null or stage_type <> 'rejected'
),

reach_counts as (
    select
        funnel_stage.stage_id,
        sum(
            case when progress.furthest_position >= funnel_stage.funnel_position then 1 else 0 end
        ) as reached_count,
        sum(
            case when progress.current_stage_id = funnel_stage.stage_id then 1 else 0 end
        ) as current_count,
        sum(
            case when progress.rejected_from_stage_id = funnel_stage.stage_id then 1 else 0 end
        ) as rejected_count,
        sum(
            case
                when progress.outcome = 'HIRED'
                    and progress.furthest_stage_id = funnel_stage.stage_id
                    then 1
                else 0
            end
        ) as hired_count
    from funnel_stages as funnel_stage
    left join progress
        on progress.job_id = funnel_stage.job_id
    group by funnel_stage.stage_id
),

visit_counts as (
    select
        stage_id,
        count(distinct application_id) as visited_count,
        count(distinct case when visit_evidence = 'observed' then application_id end)
            as observed_count
    from history
    group by stage_id
),

-- Hired and rejected visits end when they start, so they carry no time in stage.
timed_visits as (
    select
        stage_id,
        duration_hours,
        row_number() over (
            partition by stage_id order by duration_hours, application_id, visit_number
        ) as duration_rank,
        count(*) over (partition by stage_id) as duration_count
    from history
    where duration_hours is not null
        and (stage_type is null or stage_type not in ('hired', 'rejected'))
),

stage_durations as (
    select
        stage_id,
        max(duration_count) as timed_visit_count,
        -- The median is the middle value or the mean of the two middle values: the ranks r
        -- with 2r between n and n + 2. This needs no ordered-set aggregate, which some
        -- warehouses lack.
        avg(
            case
                when 2 * duration_rank between duration_count and duration_count + 2
                    then duration_hours
            end
        ) as median_hours_in_stage
    from timed_visits
    group by stage_id
),

stage_counts as (
    select
        funnel_stage.job_id,
        funnel_stage.stage_id,
        funnel_stage.stage_name,
        funnel_stage.stage_type,
        funnel_stage.funnel_position,
        reach_count.reached_count,
        coalesce(visit_count.visited_count, 0) as visited_count,
        coalesce(visit_count.observed_count, 0) as observed_count,
        reach_count.current_count,
        reach_count.rejected_count,
        reach_count.hired_count,
        coalesce(stage_duration.timed_visit_count, 0) as timed_visit_count,
        stage_duration.median_hours_in_stage
    from funnel_stages as funnel_stage
    inner join reach_counts as reach_count
        on reach_count.stage_id = funnel_stage.stage_id
    left join visit_counts as visit_count
        on visit_count.stage_id = funnel_stage.stage_id
    left join stage_durations as stage_duration
        on stage_duration.stage_id = funnel_stage.stage_id
),

final as (
    select
        stage_count.job_id,
        job.job_name,
        stage_count.stage_id,
        stage_count.stage_name,
        stage_count.stage_type,
        stage_count.funnel_position,
        stage_count.reached_count,
        stage_count.visited_count,
        stage_count.observed_count,
        stage_count.current_count,
        stage_count.rejected_count,
        stage_count.hired_count,
        -- nullif keeps empty stages at null instead of failing on division by zero.
        cast(stage_count.reached_count as double) / nullif(
            lag(stage_count.reached_count) over (
                partition by stage_count.job_id order by stage_count.funnel_position
            ),
            0
        ) as conversion_from_previous,
        cast(stage_count.reached_count as double) / nullif(
            first_value(stage_count.reached_count) over (
                partition by stage_count.job_id order by stage_count.funnel_position
            ),
            0
        ) as conversion_from_first,
        stage_count.timed_visit_count,
        stage_count.median_hours_in_stage
    from stage_counts as stage_count
    left join jobs as job
        on job.job_id = stage_count.job_id
)

select * from final
