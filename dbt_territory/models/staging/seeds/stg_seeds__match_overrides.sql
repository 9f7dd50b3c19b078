-- The reviewed manual match decisions of the `match_overrides` seed, cleaned once for every
-- reader: each pair ordered (client_id_a < client_id_b), the decision lowercased, and a
-- decision_id naming both; a decision repeated in the file (in either order) is one row.
with

source as (

    select * from {{ ref('match_overrides') }}

),

cleaned as (

    select distinct
        'seed:' || least(client_id_a, client_id_b) || '|' || greatest(client_id_a, client_id_b)
        || ':' || lower(decision) as decision_id,
        least(client_id_a, client_id_b) as client_id_a,
        greatest(client_id_a, client_id_b) as client_id_b,
        lower(decision) as decision

    from source

)

select * from cleaned
