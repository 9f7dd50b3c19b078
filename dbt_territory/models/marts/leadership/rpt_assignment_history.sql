-- Leadership: the audit trail of assignment changes, one row per territory a change touches,
-- so the row access policy (on TERRITORY_ID) shows a regional leader every change in or out
-- of their territories: a move between two territories is two rows, `out` of the old one and
-- `in` to the new one (a leader of either region sees it; one of both sees both rows); NEW and
-- SPLIT are `in`, REMOVED and MERGED `out`, an advisor-only change `within`.
with

changes as (

    select * from {{ ref('fct_assignment_change') }}

),

sides as (

    select
        changes.*,
        changes.new_territory_id as territory_id,
        case
            when changes.old_territory_id is null then 'in'
            when changes.old_territory_id = changes.new_territory_id then 'within'
            else 'in'
        end as movement

    from changes
    where changes.new_territory_id is not null

    union all

    select
        changes.*,
        changes.old_territory_id as territory_id,
        'out' as movement

    from changes
    where
        changes.old_territory_id is not null
        and changes.old_territory_id is distinct from changes.new_territory_id

),

history as (

    select
        run_date,
        master_client_id,
        change_type,
        territory_id,
        movement,
        old_territory_id,
        new_territory_id,
        old_advisor_email,
        new_advisor_email,
        old_rule_type,
        rule_type,
        rule_id

    from sides

)

select * from history
