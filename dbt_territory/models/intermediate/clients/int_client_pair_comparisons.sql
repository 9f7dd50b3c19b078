-- Every candidate pair's comparison vector (macro client_comparison_levels): one level per
-- attribute, null where either record lacks it. What a level is worth is learnt from the data
-- (int_client_match_model); this model only says which level each pair is at, for the
-- Fellegi-Sunter scorer and for a steward reading why two records scored as they did.
-- An exact name agreement also carries a term-frequency weight, as Splink's: agreeing on a
-- name that a share p of the clients carry is worth log2(q / p) bits beside the level's
-- weight, q being the chance that two random clients share a name (the sum of p^2 over the
-- names): a common name ("brown trust") agreeing counts for less, a rare one for more. A
-- name's count includes its own duplicates, so a company recorded many times is taken for a
-- somewhat commoner name (Splink's estimate has the same bias).
with

pairs as (

    select * from {{ ref('int_client_pairs_blocked') }}

),

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

name_sharing as (

    -- q times the number of clients, so that q / p = this / a name's count. Over clients, the
    -- mean of their name's count is the sum over names of count^2 / clients = q * clients.
    select avg(cast(name_frequency as {{ dbt.type_float() }})) as same_name_chance_times_clients
    from clients

),

compared as (

    select
        pairs.client_id_a,
        pairs.client_id_b,
        pairs.blocking_rule,
        {{ client_comparison_levels('clients_a', 'clients_b') }},
        -- Names differing in a number are never merged (int_client_pairs_scored): known
        -- non-matches, kept out of the estimate of what a match looks like.
        coalesce(clients_a.name_numbers, '') <> coalesce(clients_b.name_numbers, '') as is_number_conflict,
        case
            when clients_a.name_normalized = clients_b.name_normalized
                then ln(
                    name_sharing.same_name_chance_times_clients / clients_a.name_frequency
                ) / ln(2)
        end as name_tf_weight

    from pairs
    inner join clients as clients_a
        on pairs.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on pairs.client_id_b = clients_b.client_id
    cross join name_sharing

)

select * from compared
