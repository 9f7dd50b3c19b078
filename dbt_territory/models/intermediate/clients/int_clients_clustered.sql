-- Every staged client with its master: connected components over the merged pairs, the
-- master being the smallest client_id of the component (stable while that record lives, so
-- downstream history does not churn). A `never_merge` override beats transitivity: when a
-- chain of merges joins two clients an override keeps apart, that component is re-clustered
-- from its HIGH-band and manual merges only, and failing that from manual merges only. So is
-- a component above `er_max_cluster_size` records: a chain of look-alikes (each pair close,
-- the ends far apart), not one company.
{%- set last = var('er_cluster_iterations') %}
with

clients as (

    select * from {{ ref('int_clients_normalized') }}

),

scored_pairs as (

    select * from {{ ref('int_client_pairs_scored') }}

),

never_merge_pairs as (

    select distinct
        client_id_a as node_a,
        client_id_b as node_b

    from {{ ref('int_match_overrides_unioned') }}
    where decision = 'never_merge'

),

merge_edges as (

    select
        client_id_a as node_a,
        client_id_b as node_b,
        score_band,
        override_decision

    from scored_pairs
    where match_decision = 'merge'

),

{{ connected_components('all_merges', 'merge_edges') }},

{{ component_conflicts('all_merges', 'merge_edges', 'never_merge_pairs',
                       "merge_edges.score_band = 'HIGH' or merge_edges.override_decision = 'merge'",
                       var('er_max_cluster_size')) }},

{{ connected_components('strong_merges', 'all_merges_kept_edges') }},

{{ component_conflicts('strong_merges', 'all_merges_kept_edges', 'never_merge_pairs',
                       "all_merges_kept_edges.override_decision = 'merge'",
                       var('er_max_cluster_size')) }},

{{ connected_components('manual_merges', 'strong_merges_kept_edges') }},

mastered as (

    select
        clients.client_id,
        case
            when all_merges_conflicts.component_id is null
                then coalesce(all_merges.component_id, clients.client_id)
            when strong_merges_conflicts.component_id is null
                then coalesce(strong_merges.component_id, clients.client_id)
            else coalesce(manual_merges.component_id, clients.client_id)
        end as master_client_id,
        case
            when all_merges_conflicts.component_id is null then 'all_merges'
            when strong_merges_conflicts.component_id is null then 'strong_merges'
            else 'manual_merges'
        end as cluster_pass

    from clients
    left join all_merges_labels_{{ last }} as all_merges
        on clients.client_id = all_merges.node_id
    left join all_merges_conflicts
        on all_merges.component_id = all_merges_conflicts.component_id
    left join strong_merges_labels_{{ last }} as strong_merges
        on clients.client_id = strong_merges.node_id
    left join strong_merges_conflicts
        on strong_merges.component_id = strong_merges_conflicts.component_id
    left join manual_merges_labels_{{ last }} as manual_merges
        on clients.client_id = manual_merges.node_id

),

merged_within_cluster as (

    -- Merged pairs that ended inside one cluster (joined once, read from both ends below).
    select
        scored_pairs.client_id_a,
        scored_pairs.client_id_b,
        scored_pairs.match_confidence,
        scored_pairs.match_score,
        scored_pairs.match_rule
    from scored_pairs
    inner join mastered as mastered_a
        on scored_pairs.client_id_a = mastered_a.client_id
    inner join mastered as mastered_b
        on scored_pairs.client_id_b = mastered_b.client_id
    where
        scored_pairs.match_decision = 'merge'
        and mastered_a.master_client_id = mastered_b.master_client_id

),

cluster_edges as (

    select
        client_id_a as client_id,
        match_confidence,
        match_score,
        match_rule
    from merged_within_cluster

    union all

    select
        client_id_b as client_id,
        match_confidence,
        match_score,
        match_rule
    from merged_within_cluster

),

best_edges as (

    -- A client's strongest link into its cluster: a manual merge first, then the top score.
    select
        client_id,
        match_confidence,
        match_score,
        match_rule

    from cluster_edges
    qualify row_number() over (
        partition by client_id
        order by case when match_confidence = 'MANUAL' then 0 else 1 end, match_score desc, match_rule asc
    ) = 1

),

final as (

    select
        mastered.client_id,
        mastered.master_client_id,
        coalesce(best_edges.match_confidence, 'SELF') as match_confidence,
        coalesce(best_edges.match_score, cast(1 as decimal(5, 4))) as match_score,
        coalesce(best_edges.match_rule, 'self') as match_rule,
        mastered.cluster_pass

    from mastered
    left join best_edges
        on mastered.client_id = best_edges.client_id

)

select * from final
