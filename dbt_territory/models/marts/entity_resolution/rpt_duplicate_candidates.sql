-- Pairs for a data steward: similar enough to look alike, not merged automatically (LOW band,
-- or vetoed: a number/roman numeral differs or one names the other as parent). A decision
-- is made in the console's review queue (the steward's journal) or the `match_overrides` seed.
-- Why each pair scored as it did: the learned scorer's waterfall (the prior's weight, each
-- attribute's level and the weight it added, their sum match_weight, its probability).
with

scored_pairs as (

    select * from {{ ref('int_client_pairs_scored') }}
    where match_decision = 'review'

),

clients as (

    select * from {{ ref('int_clients_normalized') }}

),

crosswalk as (

    select * from {{ ref('int_clients_clustered') }}

),

candidates as (

    select
        scored_pairs.client_id_a,
        scored_pairs.client_id_b,
        clients_a.client_name as client_name_a,
        clients_b.client_name as client_name_b,
        clients_a.country as country_a,
        clients_b.country as country_b,
        scored_pairs.match_score,
        scored_pairs.match_confidence,
        {{ client_match_waterfall('scored_pairs') }},
        scored_pairs.match_rule,
        scored_pairs.blocking_rule,
        crosswalk_a.master_client_id = crosswalk_b.master_client_id as is_same_master

    from scored_pairs
    inner join clients as clients_a
        on scored_pairs.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on scored_pairs.client_id_b = clients_b.client_id
    inner join crosswalk as crosswalk_a
        on scored_pairs.client_id_a = crosswalk_a.client_id
    inner join crosswalk as crosswalk_b
        on scored_pairs.client_id_b = crosswalk_b.client_id

)

select * from candidates
