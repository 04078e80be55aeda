-- Grain: one row per application: how far it got, its current stage and how long it has
-- been there, as of the build. The other reports count and average these rows.
with

applications as (
    select
        id as application_id,
        account,
        job_id,
        candidate_id,
        source,
        outcome,
        current_stage_id,
        -- Older records may lack a furthest stage; the current stage is then the best bound.
        coalesce(furthest_stage_id, current_stage_id) as furthest_stage_id,
        remote_created_at,
        hired_at,
        rejected_at,
        changed_at
    from {{dataset}}.applications
    where remote_deleted_at is null
),

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

interviews as (
    select
        application_id,
        count(*) as interview_count
    from {{dataset}}.interviews
    where remote_deleted_at is null
        and application_id is not null
    group by application_id
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
        row_number() over (partition by job_id order by stage_index, stage_id) as funnel_position,
        case stage_type
            when 'applied' then 1
            when 'review' then 2
            when 'interview' then 3
            when 'offer' then 4
            when 'hired' then 5
        end as type_rank
    from job_stages
    where stage_type is null or stage_type <> 'rejected'
),

-- The highest stage type at or before the furthest stage, so an application that got
-- to an interview in a job without a review stage still counts as past review.
reached_ranks as (
    select
        application.application_id,
        furthest.stage_name as furthest_stage_name,
        furthest.funnel_position as furthest_position,
        max(passed.type_rank) as reached_type_rank
    from applications as application
    inner join funnel_stages as furthest
        on furthest.stage_id = application.furthest_stage_id
    inner join funnel_stages as passed
        on passed.job_id = furthest.job_id
        and passed.funnel_position <= furthest.funnel_position
    group by
        application.application_id,
        furthest.stage_name,
        furthest.funnel_position
),

current_visits as (
    select
        application_id,
        stage_name,
        stage_type,
        entered_at,
        entered_at_source,
        visit_number as visit_count
    from history
    where is_current
),

ranked_funnel_visits as (
    select
        application_id,
        stage_id,
        stage_name,
        stage_type,
        row_number() over (partition by application_id order by visit_number desc) as recency
    from history
    where funnel_position is not null
),

-- An application leaves the funnel from the last funnel stage it visited.
last_funnel_visits as (
    select
        application_id,
        stage_id,
        stage_name,
        stage_type
    from ranked_funnel_visits
    where recency = 1
),

decisions as (
    select
        application.*,
        -- Pinpoint may mark an outcome by stage alone; entering that stage is then the time.
        case
            when application.outcome = 'HIRED'
                then coalesce(application.hired_at, current_visit.entered_at)
        end as decided_hired_at,
        case
            when application.outcome = 'DECLINED'
                then coalesce(application.rejected_at, current_visit.entered_at)
        end as decided_rejected_at
    from applications as application
    left join current_visits as current_visit
        on current_visit.application_id = application.application_id
),

final as (
    select
        application.application_id,
        application.account,
        application.job_id,
        application.candidate_id,
        application.source,
        application.outcome,
        application.outcome = 'PENDING' as is_active,
        application.remote_created_at as applied_at,
        application.decided_hired_at as hired_at,
        application.decided_rejected_at as rejected_at,
        application.current_stage_id,
        current_visit.stage_name as current_stage_name,
        current_visit.stage_type as current_stage_type,
        current_visit.entered_at as current_stage_entered_at,
        current_visit.entered_at_source as current_stage_entered_at_source,
        case
            when application.outcome = 'PENDING'
                then (epoch({{as_of}}) - epoch(current_visit.entered_at)) / 86400.0
        end as days_in_current_stage,
        application.furthest_stage_id,
        reached.furthest_stage_name,
        reached.furthest_position,
        case reached.reached_type_rank
            when 1 then 'applied'
            when 2 then 'review'
            when 3 then 'interview'
            when 4 then 'offer'
            when 5 then 'hired'
        end as reached_stage_type,
        reached.reached_type_rank as reached_stage_type_position,
        coalesce(reached.reached_type_rank >= 2, false) as reached_review,
        coalesce(reached.reached_type_rank >= 3, false) as reached_interview,
        coalesce(reached.reached_type_rank >= 4, false) as reached_offer,
        case
            when application.outcome = 'DECLINED' then last_funnel_visit.stage_id
        end as rejected_from_stage_id,
        case
            when application.outcome = 'DECLINED' then last_funnel_visit.stage_name
        end as rejected_from_stage_name,
        case
            when application.outcome = 'DECLINED' then last_funnel_visit.stage_type
        end as rejected_from_stage_type,
        coalesce(interview.interview_count, 0) as interview_count,
        current_visit.visit_count,
        (
            epoch(application.decided_hired_at) - epoch(application.remote_created_at)
        ) / 86400.0 as days_to_hire,
        (
            epoch(coalesce(application.decided_hired_at, application.decided_rejected_at))
            - epoch(application.remote_created_at)
        ) / 86400.0 as days_to_decision,
        application.changed_at
    from decisions as application
    left join current_visits as current_visit
        on current_visit.application_id = application.application_id
    left join reached_ranks as reached
        on reached.application_id = application.application_id
    left join last_funnel_visits as last_funnel_visit
        on last_funnel_visit.application_id = application.application_id
    left join interviews as interview
        on interview.application_id = application.application_id
)

select * from final
