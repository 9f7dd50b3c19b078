-- Clustering converged: both ends of a merged pair share a master, by the pass that formed
-- their cluster (int_clients_clustered.cluster_pass): every merged pair in a cluster of the
-- first pass; HIGH-band and manual merges in a component re-clustered for a never_merge pair
-- or its size; manual merges in one re-clustered again. And every master is the smallest
-- client_id of its cluster.
with

clustered as (

    select * from {{ ref('int_clients_clustered') }}

),

scored_pairs as (

    select * from {{ ref('int_client_pairs_scored') }}

),

unconverged as (

    select
        scored_pairs.client_id_a,
        scored_pairs.client_id_b,
        'merged pair in two clusters' as problem

    from scored_pairs
    inner join clustered as clustered_a
        on scored_pairs.client_id_a = clustered_a.client_id
    inner join clustered as clustered_b
        on scored_pairs.client_id_b = clustered_b.client_id
    where
        scored_pairs.match_decision = 'merge'
        and clustered_a.master_client_id <> clustered_b.master_client_id
        and (
            clustered_a.cluster_pass = 'all_merges'
            or (
                clustered_a.cluster_pass = 'strong_merges'
                and (scored_pairs.score_band = 'HIGH' or scored_pairs.override_decision = 'merge')
            )
            or scored_pairs.override_decision = 'merge'
        )

),

wrong_masters as (

    select
        master_client_id as client_id_a,
        min(client_id) as client_id_b,
        'master is not the smallest client_id' as problem

    from clustered
    group by master_client_id
    having min(client_id) <> master_client_id

)

select * from unconverged
union all
select * from wrong_masters
