-- Grain: one row per account and application source (Pinpoint's channel source, else its
-- channel; 'Unknown' when both are empty), across the account's jobs. Interviewed and offered are implied
-- from the furthest stage, like reached_count in job_stage_funnel.
with

progress as (
    select * from {{reports}}.application_progress
),

labelled as (
    select
        *,
        coalesce(nullif(trim(source), ''), 'Unknown') as source_label
    from progress
),

ranked_hires as (
    select
        account,
        source_label,
        days_to_hire,
        row_number() over (
            partition by account, source_label order by days_to_hire, application_id
        ) as duration_rank,
        count(*) over (partition by account, source_label) as hire_count
    from labelled
    where outcome = 'HIRED'
        and days_to_hire is not null
),

hire_durations as (
    select
        account,
        source_label,
        -- The middle value, or the mean of the two middle values (see job_stage_funnel).
        avg(
            case
                when 2 * duration_rank between hire_count and hire_count + 2 then days_to_hire
            end
        ) as median_days_to_hire
    from ranked_hires
    group by account, source_label
),

source_counts as (
    select
        account,
        source_label,
        count(*) as application_count,
        count(distinct candidate_id) as candidate_count,
        count(distinct job_id) as job_count,
        sum(case when reached_interview then 1 else 0 end) as interviewed_count,
        sum(interview_count) as interview_count,
        sum(case when reached_offer then 1 else 0 end) as offered_count,
        sum(case when outcome = 'HIRED' then 1 else 0 end) as hired_count,
        sum(case when outcome = 'DECLINED' then 1 else 0 end) as declined_count,
        sum(case when outcome = 'PENDING' then 1 else 0 end) as active_count
    from labelled
    group by account, source_label
),

final as (
    select
        source_count.account,
        source_count.source_label as source,
        source_count.application_count,
        source_count.candidate_count,
        source_count.job_count,
        source_count.interviewed_count,
        source_count.interview_count,
        source_count.offered_count,
        source_count.hired_count,
        source_count.declined_count,
        source_count.active_count,
        cast(source_count.interviewed_count as double)
            / nullif(source_count.application_count, 0) as interview_rate,
        cast(source_count.offered_count as double)
            / nullif(source_count.application_count, 0) as offer_rate,
        cast(source_count.hired_count as double)
            / nullif(source_count.application_count, 0) as hire_rate,
        cast(source_count.hired_count as double)
            / nullif(source_count.offered_count, 0) as offer_to_hire_rate,
        cast(source_count.hired_count as double)
            / nullif(
                sum(source_count.hired_count) over (partition by source_count.account), 0
            ) as share_of_hires,
        hire_duration.median_days_to_hire
    from source_counts as source_count
    left join hire_durations as hire_duration
        on hire_duration.source_label = source_count.source_label
        and hire_duration.account is not distinct from source_count.account
)

select * from final
