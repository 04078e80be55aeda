-- Grain: one row per job and funnel stage (the job's stages in order, without the
-- rejected stage, which is where applications leave the funnel, not a step of it).
-- "Reached" is implied from Pinpoint's furthest stage: an application counts as having
-- reached every stage up to its furthest one, even if a sync never saw it there.
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

applications as (
    select
        id as application_id,
        job_id,
        outcome,
        current_stage_id,
        -- Older records may lack a furthest stage; the current stage is then the best bound.
        coalesce(furthest_stage_id, current_stage_id) as furthest_stage_id
    from {{dataset}}.applications
    where remote_deleted_at is null
),

application_positions as (
    select
        application.application_id,
        application.job_id,
        application.outcome,
        application.current_stage_id,
        furthest.funnel_position as furthest_position
    from applications as application
    left join funnel_stages as furthest
        on furthest.stage_id = application.furthest_stage_id
),

stage_counts as (
    select
        funnel_stage.job_id,
        funnel_stage.stage_id,
        funnel_stage.stage_name,
        funnel_stage.stage_type,
        funnel_stage.funnel_position,
        count(position.application_id) filter (
            where position.furthest_position >= funnel_stage.funnel_position
        ) as reached_count,
        count(position.application_id) filter (
            where position.current_stage_id = funnel_stage.stage_id
        ) as current_count,
        count(position.application_id) filter (
            where position.outcome = 'DECLINED'
                and position.furthest_position = funnel_stage.funnel_position
        ) as rejected_count,
        count(position.application_id) filter (
            where position.outcome = 'HIRED'
                and position.furthest_position = funnel_stage.funnel_position
        ) as hired_count
    from funnel_stages as funnel_stage
    left join application_positions as position
        on position.job_id = funnel_stage.job_id
    group by
        funnel_stage.job_id,
        funnel_stage.stage_id,
        funnel_stage.stage_name,
        funnel_stage.stage_type,
        funnel_stage.funnel_position
),

final as (
    select
        stage_count.job_id,
        job.name as job_name,
        stage_count.stage_id,
        stage_count.stage_name,
        stage_count.stage_type,
        stage_count.funnel_position,
        stage_count.reached_count,
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
        ) as conversion_from_first
    from stage_counts as stage_count
    left join {{dataset}}.jobs as job
        on job.id = stage_count.job_id
)

select * from final
