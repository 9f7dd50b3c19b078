-- Every assignment of the run date points at a client, territory and advisor of that date's
-- dimensions (dimensions hold the run date's state, so older snapshot rows are not checked).
with

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = {{ run_date() }}

),

clients as (

    select * from {{ ref('dim_client') }}

),

territories as (

    select * from {{ ref('dim_territory') }}

),

advisors as (

    select * from {{ ref('dim_advisor') }}

),

dangling as (

    select assignments.*

    from assignments
    left join clients
        on assignments.client_key = clients.client_key
    left join territories
        on assignments.territory_key = territories.territory_key
    left join advisors
        on assignments.advisor_key = advisors.advisor_key
    where
        clients.client_key is null
        or territories.territory_key is null
        or (assignments.advisor_key is not null and advisors.advisor_key is null)

)

select * from dangling
