-- Every candidate pair's comparison vector (macro client_comparison_levels): one level per
-- attribute, null where either record lacks it. What a level is worth is learnt from the data
-- (int_client_match_model); this model only says which level each pair is at, for the
-- Fellegi-Sunter scorer and for a steward reading why two records scored as they did.
with

pairs as (

    select * from {{ ref('int_client_pairs_blocked') }}

),

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

compared as (

    select
        pairs.client_id_a,
        pairs.client_id_b,
        pairs.blocking_rule,
        {{ client_comparison_levels('clients_a', 'clients_b') }}

    from pairs
    inner join clients as clients_a
        on pairs.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on pairs.client_id_b = clients_b.client_id

)

select * from compared
