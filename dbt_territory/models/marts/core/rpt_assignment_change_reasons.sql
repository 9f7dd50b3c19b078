-- Why a change of the audit trail happened, when a manual match decision caused it: a master
-- id MERGED into another or a SPLIT off one (fct_assignment_change.related_master_client_id),
-- or a client whose records changed (CHANGED), by a data steward's decision first in force
-- that night (the console's review queue), or a MERGED one by a `match_overrides` seed merge
-- (the seed has no date). Decisions are matched to the masters of their two records on the
-- change's own run date (client_identity_history), so every night stays explained.
with

changes as (

    select * from {{ ref('fct_assignment_change') }}

),

steward_decisions as (

    select * from {{ ref('stg_crm__match_decisions') }}

),

seed_decisions as (

    select * from {{ ref('int_match_overrides_unioned') }}
    where override_source = 'seed'

),

identities as (

    select * from {{ ref('client_identity_history') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

decisions_by_night as (

    -- A steward decision belongs to the first night it applies to; the seed to every night.
    select
        run_dates.run_date,
        steward_decisions.decision_id,
        steward_decisions.client_id_a,
        steward_decisions.client_id_b,
        steward_decisions.decision,
        'steward' as override_source,
        steward_decisions.decided_by,
        steward_decisions.decided_at,
        steward_decisions.note

    from steward_decisions
    inner join run_dates
        on
            steward_decisions.effective_from <= run_dates.run_date
            and (
                run_dates.previous_run_date is null
                or steward_decisions.effective_from > run_dates.previous_run_date
            )

    union all

    select
        run_dates.run_date,
        seed_decisions.decision_id,
        seed_decisions.client_id_a,
        seed_decisions.client_id_b,
        seed_decisions.decision,
        seed_decisions.override_source,
        seed_decisions.decided_by,
        seed_decisions.decided_at,
        seed_decisions.note

    from seed_decisions
    cross join run_dates

),

decided_masters as (

    -- Each decision with the masters its two records had that night.
    select
        decisions_by_night.*,
        identities_a.master_client_id as master_a,
        identities_b.master_client_id as master_b

    from decisions_by_night
    inner join identities as identities_a
        on
            decisions_by_night.client_id_a = identities_a.client_id
            and decisions_by_night.run_date = identities_a.run_date
    inner join identities as identities_b
        on
            decisions_by_night.client_id_b = identities_b.client_id
            and decisions_by_night.run_date = identities_b.run_date

),

candidates as (

    select
        changes.change_key,
        changes.run_date,
        changes.master_client_id,
        changes.change_type,
        decided_masters.override_source || '_' || decided_masters.decision as change_reason,
        decided_masters.decision_id as match_decision_id,
        decided_masters.decision,
        decided_masters.override_source,
        decided_masters.decided_by,
        decided_masters.decided_at,
        decided_masters.note,
        decided_masters.client_id_a,
        decided_masters.client_id_b,
        case
            when changes.related_master_client_id is not null then changes.related_master_client_id
            when changes.master_client_id = decided_masters.master_a then decided_masters.master_b
            else decided_masters.master_a
        end as related_master_client_id,
        row_number() over (
            partition by changes.change_key
            order by
                case when decided_masters.override_source = 'steward' then 0 else 1 end asc,
                decided_masters.decided_at desc,
                decided_masters.decision_id asc
        ) as reason_rank

    from changes
    inner join decided_masters
        on
            changes.run_date = decided_masters.run_date
            and (
                -- merged into the survivor: the decision's records now share that master
                (
                    changes.change_type = 'MERGED'
                    and decided_masters.decision = 'merge'
                    and changes.related_master_client_id = decided_masters.master_a
                    and changes.related_master_client_id = decided_masters.master_b
                )
                -- split off its origin: the decision keeps the two masters apart
                or (
                    changes.change_type = 'SPLIT'
                    and decided_masters.decision = 'never_merge'
                    and (
                        (
                            changes.master_client_id = decided_masters.master_a
                            and changes.related_master_client_id = decided_masters.master_b
                        )
                        or (
                            changes.master_client_id = decided_masters.master_b
                            and changes.related_master_client_id = decided_masters.master_a
                        )
                    )
                )
                -- the client's own records changed by a new steward decision
                or (
                    changes.change_type = 'CHANGED'
                    and decided_masters.override_source = 'steward'
                    and (
                        (
                            decided_masters.decision = 'merge'
                            and changes.master_client_id = decided_masters.master_a
                            and changes.master_client_id = decided_masters.master_b
                        )
                        or (
                            decided_masters.decision = 'never_merge'
                            and decided_masters.master_a <> decided_masters.master_b
                            and changes.master_client_id in (decided_masters.master_a, decided_masters.master_b)
                        )
                    )
                )
            )

),

final as (

    select
        change_key,
        run_date,
        master_client_id,
        change_type,
        change_reason,
        match_decision_id,
        decision,
        override_source,
        decided_by,
        decided_at,
        note,
        client_id_a,
        client_id_b,
        related_master_client_id

    from candidates
    where reason_rank = 1

)

select * from final
