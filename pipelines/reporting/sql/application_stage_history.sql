-- Grain: one row per application and stage visit, numbered in the order of the visits.
-- Visits come from the stage observations that each sync appends, completed with what
-- Pinpoint records itself: the creation time (the first stage), the furthest stage (a
-- stage reached between two syncs) and the hire and rejection times. A stage that no
-- sync saw and that is not the furthest stage gets no row, because it may have been
-- skipped. job_stage_funnel still counts such stages as reached.
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

applications as (
    select
        id as application_id,
        account,
        job_id,
        candidate_id,
        outcome,
        remote_created_at,
        hired_at,
        rejected_at
    from {{dataset}}.applications
    where remote_deleted_at is null
),

observations as (
    select
        application_id,
        observation_number,
        stage_id,
        furthest_stage_id,
        application_updated_at,
        hired_at,
        rejected_at,
        observed_at
    from {{dataset}}.application_stage_observations
),

funnel_stages as (
    select
        job_id,
        stage_id,
        -- stage_id breaks ties of equal indexes, so positions never depend on scan order.
        row_number() over (partition by job_id order by stage_index, stage_id) as funnel_position
    from job_stages
    where stage_type is null or stage_type <> 'rejected'
),

positioned_stages as (
    select
        job_stage.stage_id,
        job_stage.stage_name,
        job_stage.stage_type,
        funnel_stage.funnel_position
    from job_stages as job_stage
    left join funnel_stages as funnel_stage
        on funnel_stage.stage_id = job_stage.stage_id
),

ordered_observations as (
    select
        observation.application_id,
        observation.observation_number,
        row_number() over (
            partition by observation.application_id order by observation.observation_number
        ) as observation_rank,
        observation.stage_id,
        -- Without a furthest stage the current stage is the best lower bound.
        coalesce(observation.furthest_stage_id, observation.stage_id) as furthest_stage_id,
        observation.application_updated_at,
        observation.hired_at,
        observation.rejected_at,
        observation.observed_at,
        application.remote_created_at,
        stage.stage_type,
        stage.funnel_position as stage_position,
        furthest.funnel_position as furthest_position,
        first_stage.stage_id as first_stage_id
    from observations as observation
    inner join applications as application
        on application.application_id = observation.application_id
    left join positioned_stages as stage
        on stage.stage_id = observation.stage_id
    left join funnel_stages as furthest
        on furthest.stage_id = coalesce(observation.furthest_stage_id, observation.stage_id)
    left join funnel_stages as first_stage
        on first_stage.job_id = application.job_id
        and first_stage.funnel_position = 1
),

observation_steps as (
    select
        *,
        lag(furthest_position) over (
            partition by application_id order by observation_number
        ) as previous_furthest_position,
        -- A first sighting in the first stage with nothing further reached is the visit
        -- that began when the application was created.
        case
            when observation_rank = 1
                and stage_position = 1
                and coalesce(furthest_position, 1) <= 1
                then 1
            else 0
        end as starts_at_creation
    from ordered_observations
),

creation_visits as (
    select
        application_id,
        observation_number,
        0 as step,
        first_stage_id as stage_id,
        'application_created' as visit_evidence,
        cast(null as timestamp with time zone) as observed_at,
        remote_created_at as entered_at,
        case
            when remote_created_at is null then 'unknown' else 'pinpoint_created_at'
        end as entered_at_source
    from observation_steps
    where observation_rank = 1
        and starts_at_creation = 0
        and first_stage_id is not null
),

-- When the furthest stage rose past what earlier observations account for and the
-- application is elsewhere now, it visited that stage before this sync saw it.
furthest_visits as (
    select
        application_id,
        observation_number,
        1 as step,
        furthest_stage_id as stage_id,
        'furthest_stage' as visit_evidence,
        cast(null as timestamp with time zone) as observed_at,
        cast(null as timestamp with time zone) as entered_at,
        'unknown' as entered_at_source
    from observation_steps
    where furthest_position > coalesce(previous_furthest_position, 1)
        and furthest_position <> coalesce(stage_position, 0)
),

observed_visits as (
    select
        application_id,
        observation_number,
        2 as step,
        stage_id,
        'observed' as visit_evidence,
        observed_at,
        case
            when starts_at_creation = 1 and remote_created_at is not null
                then remote_created_at
            when stage_type = 'hired' and hired_at is not null then hired_at
            when stage_type = 'rejected' and rejected_at is not null then rejected_at
            else application_updated_at
        end as entered_at,
        case
            when starts_at_creation = 1 and remote_created_at is not null
                then 'pinpoint_created_at'
            when stage_type = 'hired' and hired_at is not null then 'pinpoint_hired_at'
            when stage_type = 'rejected' and rejected_at is not null then 'pinpoint_rejected_at'
            -- A later sync bounds the move between two reads; the first sync does not.
            when observation_rank = 1 then 'inferred'
            else 'sync_observed'
        end as entered_at_source
    from observation_steps
),

candidate_visits as (
    select * from creation_visits
    union all
    select * from furthest_visits
    union all
    select * from observed_visits
),

sequenced_visits as (
    select
        *,
        lag(stage_id) over (
            partition by application_id order by observation_number, step
        ) as previous_stage_id
    from candidate_visits
),

-- The same stage twice in a row is one visit, because the later row only repeats it.
distinct_visits as (
    select
        application_id,
        stage_id,
        visit_evidence,
        observed_at,
        entered_at,
        entered_at_source,
        row_number() over (
            partition by application_id order by observation_number, step
        ) as visit_number
    from sequenced_visits
    where previous_stage_id is null or previous_stage_id <> stage_id
),

running_visits as (
    select
        *,
        max(entered_at) over (
            partition by application_id
            order by visit_number
            rows between unbounded preceding and 1 preceding
        ) as earlier_entered_at,
        count(*) over (partition by application_id) as visit_count
    from distinct_visits
),

-- A backdated Pinpoint time can precede an earlier visit's entry. Entries are kept in
-- visit order so that no duration is negative.
monotonic_visits as (
    select
        application_id,
        stage_id,
        visit_evidence,
        observed_at,
        visit_number,
        visit_count,
        case
            when entered_at < earlier_entered_at then earlier_entered_at else entered_at
        end as entered_at,
        case
            when entered_at < earlier_entered_at then 'inferred' else entered_at_source
        end as entered_at_source
    from running_visits
),

staged_visits as (
    select
        visit.*,
        stage.stage_name,
        stage.stage_type,
        stage.funnel_position
    from monotonic_visits as visit
    left join positioned_stages as stage
        on stage.stage_id = visit.stage_id
),

bounded_visits as (
    select
        *,
        lead(entered_at) over (
            partition by application_id order by visit_number
        ) as next_entered_at,
        lead(entered_at_source) over (
            partition by application_id order by visit_number
        ) as next_entered_at_source,
        lead(funnel_position) over (
            partition by application_id order by visit_number
        ) as next_funnel_position
    from staged_visits
),

-- After a visit that no sync saw, a jump of more than one funnel stage may hide visits
-- to the stages in between, so the end of that visit is unknown.
classified_visits as (
    select
        *,
        visit_number = visit_count as is_current,
        case
            when visit_number < visit_count
                and visit_evidence <> 'observed'
                and next_funnel_position > funnel_position + 1
                then 1
            else 0
        end as hides_stages
    from bounded_visits
),

-- Otherwise a visit ends when the next one starts. The last visit of a hired or
-- rejected application ends at the hire or rejection, never at the time of the build.
ended_visits as (
    select
        visit.application_id,
        application.account,
        application.job_id,
        application.candidate_id,
        visit.visit_number,
        visit.stage_id,
        visit.stage_name,
        visit.stage_type,
        visit.funnel_position,
        visit.visit_evidence,
        visit.observed_at,
        visit.entered_at,
        visit.entered_at_source,
        case
            when visit.hides_stages = 1 then null
            when not visit.is_current then visit.next_entered_at
            when visit.stage_type in ('hired', 'rejected') then visit.entered_at
            when application.outcome = 'HIRED' and application.hired_at is not null
                then case
                    when application.hired_at < visit.entered_at then visit.entered_at
                    else application.hired_at
                end
            when application.outcome = 'DECLINED' and application.rejected_at is not null
                then case
                    when application.rejected_at < visit.entered_at then visit.entered_at
                    else application.rejected_at
                end
        end as exited_at,
        case
            when visit.hides_stages = 1 then 'unknown'
            when not visit.is_current then visit.next_entered_at_source
            when visit.stage_type in ('hired', 'rejected') then visit.entered_at_source
            when application.outcome = 'HIRED' and application.hired_at is not null
                then 'pinpoint_hired_at'
            when application.outcome = 'DECLINED' and application.rejected_at is not null
                then 'pinpoint_rejected_at'
            else 'open'
        end as exited_at_source,
        visit.is_current
    from classified_visits as visit
    inner join applications as application
        on application.application_id = visit.application_id
),

final as (
    select
        application_id,
        account,
        job_id,
        candidate_id,
        visit_number,
        stage_id,
        stage_name,
        stage_type,
        funnel_position,
        visit_evidence,
        observed_at,
        entered_at,
        entered_at_source,
        exited_at,
        exited_at_source,
        -- Elapsed time between two instants, so calendar days and the session time zone
        -- play no part.
        (epoch(exited_at) - epoch(entered_at)) / 3600.0 as duration_hours,
        is_current
    from ended_visits
)

select * from final
