-- The evidence behind every pair the matcher merged, sent to review or was told about by a
-- manual decision: both records side by side, the learned scorer's waterfall (the prior's
-- weight, then each attribute's level and the weight it added, in bits; their sum is
-- match_weight) and each level in words, for the console's client page (why these records
-- are one client) and its review queue.
with

scored_pairs as (

    select * from {{ ref('int_client_pairs_scored') }}
    where match_decision in ('merge', 'review') or override_decision is not null

),

clients as (

    select * from {{ ref('stg_crm__clients') }}

),

evidence as (

    select
        scored_pairs.client_id_a,
        scored_pairs.client_id_b,
        clients_a.client_name as client_name_a,
        clients_b.client_name as client_name_b,
        clients_a.country as country_a,
        clients_b.country as country_b,
        clients_a.city as city_a,
        clients_b.city as city_b,
        clients_a.postal_code as postal_code_a,
        clients_b.postal_code as postal_code_b,
        clients_a.aum_usd as aum_usd_a,
        clients_b.aum_usd as aum_usd_b,
        clients_a.parent_client_id as parent_client_id_a,
        clients_b.parent_client_id as parent_client_id_b,
        scored_pairs.match_score,
        {{ client_match_waterfall('scored_pairs') }},
        {{ client_match_evidence('scored_pairs') }},
        scored_pairs.score_band,
        scored_pairs.match_confidence,
        scored_pairs.match_decision,
        scored_pairs.match_rule,
        scored_pairs.blocking_rule,
        scored_pairs.is_number_conflict,
        scored_pairs.is_parent_link,
        scored_pairs.override_decision,
        scored_pairs.override_source,
        scored_pairs.override_decision_id

    from scored_pairs
    inner join clients as clients_a
        on scored_pairs.client_id_a = clients_a.client_id
    inner join clients as clients_b
        on scored_pairs.client_id_b = clients_b.client_id

)

select * from evidence
