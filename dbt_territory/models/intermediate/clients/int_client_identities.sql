{{ config(pre_hook="{{ delete_recomputed_run_dates() }}") }}
-- Persistent master ids: per run date, every staged record with the master id of its cluster.
-- Today's clusters (int_clients_clustered) inherit the ids of the previous run date in this
-- table (the replay rule guarantees that night is the one an in-order run would have seen):
--   * a previous master id goes to the cluster now holding most of its records (ties: the
--     smallest cluster id), so when a cluster splits, the larger part keeps the id;
--   * a cluster offered several ids keeps the oldest (first issued; ties: the smallest id): a
--     merge retires the others (int_client_identity_events says into which);
--   * a cluster offered none gets a new id: its smallest client_id, or, when that id was
--     issued before (a split-off part, a retired master), `<client_id>@<run date>`.
-- An id never moves to another company: the cluster of its record leaving, or the record
-- that gave it disappearing, leaves it with the records that remain. With no previous night
-- (the first night, a full refresh) every cluster's id is its smallest client_id.
with

clusters as (

    select
        client_id,
        master_client_id as cluster_id

    from {{ ref('int_clients_clustered') }}

),

{% if is_incremental() -%}
previous_run as (

    select max(run_date) as run_date
    from {{ this }}
    where run_date < {{ run_date() }}

),

previous_identities as (

    select
        identities.run_date,
        identities.client_id,
        identities.master_client_id

    from {{ this }} as identities
    inner join previous_run
        on identities.run_date = previous_run.run_date

),

issued_ids as (

    select
        master_client_id,
        min(run_date) as issued_on

    from {{ this }}
    where run_date < {{ run_date() }}
    group by master_client_id

),
{% else -%}
    previous_identities as (

        select
            cast(null as date) as run_date,
            cast(null as {{ dbt.type_string() }}) as client_id,
            cast(null as {{ dbt.type_string() }}) as master_client_id

        where 1 = 0

    ),

    issued_ids as (

        select
            cast(null as {{ dbt.type_string() }}) as master_client_id,
            cast(null as date) as issued_on

        where 1 = 0

    ),
{% endif %}

votes as (

    -- How many of each previous master's records every cluster holds today.
    select
        clusters.cluster_id,
        previous_identities.master_client_id as previous_master_client_id,
        count(*) as records

    from clusters
    inner join previous_identities
        on clusters.client_id = previous_identities.client_id
    group by clusters.cluster_id, previous_identities.master_client_id

),

claims as (

    select
        votes.cluster_id,
        votes.previous_master_client_id,
        issued_ids.issued_on

    from votes
    inner join issued_ids
        on votes.previous_master_client_id = issued_ids.master_client_id
    qualify row_number() over (
        partition by votes.previous_master_client_id
        order by votes.records desc, votes.cluster_id asc
    ) = 1

),

kept_ids as (

    select
        cluster_id,
        previous_master_client_id as master_client_id

    from claims
    qualify row_number() over (
        partition by cluster_id
        order by issued_on asc, previous_master_client_id asc
    ) = 1

),

unclaimed_clusters as (

    select distinct clusters.cluster_id

    from clusters
    left join kept_ids
        on clusters.cluster_id = kept_ids.cluster_id
    where kept_ids.cluster_id is null

),

taken_ids as (

    select master_client_id from issued_ids
    union distinct
    select master_client_id from kept_ids

),

new_ids as (

    select
        unclaimed_clusters.cluster_id,
        case
            when taken_ids.master_client_id is null then unclaimed_clusters.cluster_id
            else {{ dbt.concat([
                'unclaimed_clusters.cluster_id',
                "'@'",
                'cast(' ~ run_date() ~ ' as ' ~ dbt.type_string() ~ ')',
            ]) }}
        end as master_client_id

    from unclaimed_clusters
    left join taken_ids
        on unclaimed_clusters.cluster_id = taken_ids.master_client_id

),

cluster_ids as (

    select
        cluster_id,
        master_client_id
    from kept_ids
    union all
    select
        cluster_id,
        master_client_id
    from new_ids

),

final as (

    select
        {{ run_date() }} as run_date,
        clusters.client_id,
        cluster_ids.master_client_id,
        clusters.cluster_id,
        previous_identities.master_client_id as previous_master_client_id,
        previous_identities.run_date as previous_run_date

    from clusters
    inner join cluster_ids
        on clusters.cluster_id = cluster_ids.cluster_id
    left join previous_identities
        on clusters.client_id = previous_identities.client_id

)

select * from final
