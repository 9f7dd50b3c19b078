-- Leadership: the audit trail of assignment changes, newest first when ordered by run_date.
with

changes as (

    select * from {{ ref('fct_assignment_change') }}

),

history as (

    select
        run_date,
        master_client_id,
        change_type,
        old_territory_id,
        new_territory_id,
        old_advisor_email,
        new_advisor_email,
        old_rule_type,
        rule_type,
        rule_id

    from changes

)

select * from history
