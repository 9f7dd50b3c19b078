{{ config(pre_hook="{{ delete_recomputed_run_dates() }}") }}
-- The advisor of every assigned master client, per run date: kept per run date like the identity
-- map (dbt_project.yml), because each night reads the night before it in this table (the replay
-- rule guarantees that night is the one an in-order run would have seen).
-- A client keeps its current advisor - the one of the nearest earlier run date in this table,
-- else the CRM's - when that advisor is active in the assigned territory and within capacity
-- (least disruption). The others are placed one by one, biggest AUM first, on the advisor with
-- the most remaining capacity (ties: advisor_email). Beyond the territory's capacity a client
-- gets no advisor (`over_capacity`, reported in rpt_assignment_conflicts).
with

assignments as (

    select * from {{ ref('int_assignments_resolved') }}

),

clients as (

    select * from {{ ref('int_clients_tiered') }}

),

advisors as (

    select * from {{ ref('stg_crm__advisors') }}
    where is_active

),

previous_assignments as (

    {% if is_incremental() -%}
        select
            master_client_id,
            advisor_email

        from {{ this }}
        where run_date = (
            select max(earlier.run_date) from {{ this }} as earlier
            where earlier.run_date < {{ run_date() }}
        )
    {%- else -%}
        select
            cast(null as {{ dbt.type_string() }}) as master_client_id,
            cast(null as {{ dbt.type_string() }}) as advisor_email

        where 1 = 0
    {%- endif %}

),

valid_current_advisors as (

    -- The client's current advisor when still active in its assigned territory: yesterday's
    -- first, else the CRM's (hash joins on unique keys, no ranking of candidate rows).
    select
        assignments.master_client_id,
        assignments.territory_id,
        coalesce(previous_advisors.advisor_email, crm_advisors.advisor_email) as advisor_email,
        coalesce(previous_advisors.capacity, crm_advisors.capacity) as capacity,
        clients.aum_usd

    from assignments
    inner join clients
        on assignments.master_client_id = clients.master_client_id
    left join previous_assignments
        on assignments.master_client_id = previous_assignments.master_client_id
    left join advisors as previous_advisors
        on
            previous_assignments.advisor_email = previous_advisors.advisor_email
            and assignments.territory_id = previous_advisors.territory_id
    left join advisors as crm_advisors
        on
            clients.advisor_email = crm_advisors.advisor_email
            and assignments.territory_id = crm_advisors.territory_id
    where coalesce(previous_advisors.advisor_email, crm_advisors.advisor_email) is not null

),

retained as (

    select
        master_client_id,
        territory_id,
        advisor_email

    from valid_current_advisors
    qualify row_number() over (
        partition by advisor_email, territory_id
        order by aum_usd desc nulls last, master_client_id asc
    ) <= capacity

),

remaining_capacity as (

    select
        advisors.territory_id,
        advisors.advisor_email,
        advisors.capacity - count(retained.master_client_id) as remaining_slots

    from advisors
    left join retained
        on
            advisors.advisor_email = retained.advisor_email
            and advisors.territory_id = retained.territory_id
    group by advisors.territory_id, advisors.advisor_email, advisors.capacity

),

slots as (

    {{ select_with_integer_series('remaining_capacity', 'remaining_slots', 'slot_number') }}

),

ordered_slots as (

    -- Slot k of an advisor is taken while it has remaining_slots - k + 1 free: ordering slots by
    -- that figure replays "always the advisor with the most remaining capacity".
    select
        territory_id,
        advisor_email,
        row_number() over (
            partition by territory_id
            order by remaining_slots - slot_number desc, advisor_email asc
        ) as slot_rank

    from slots

),

to_place as (

    select
        assignments.master_client_id,
        assignments.territory_id,
        row_number() over (
            partition by assignments.territory_id
            order by clients.aum_usd desc nulls last, assignments.master_client_id asc
        ) as placement_rank

    from assignments
    inner join clients
        on assignments.master_client_id = clients.master_client_id
    left join retained
        on assignments.master_client_id = retained.master_client_id
    where retained.master_client_id is null

),

placed as (

    select
        to_place.master_client_id,
        to_place.territory_id,
        ordered_slots.advisor_email,
        case
            when ordered_slots.advisor_email is not null then 'placed'
            when to_place.territory_id = 'UNASSIGNED' then 'not_staffed'
            else 'over_capacity'
        end as advisor_assignment

    from to_place
    left join ordered_slots
        on
            to_place.territory_id = ordered_slots.territory_id
            and to_place.placement_rank = ordered_slots.slot_rank

),

allocated as (

    select
        master_client_id,
        territory_id,
        advisor_email,
        'retained' as advisor_assignment

    from retained

    union all

    select
        master_client_id,
        territory_id,
        advisor_email,
        advisor_assignment

    from placed

),

final as (

    select
        {{ run_date() }} as run_date,
        master_client_id,
        territory_id,
        advisor_email,
        advisor_assignment

    from allocated

)

select * from final
