-- Clustering converged: both ends of every merged pair share a master, unless a never_merge
-- override split their cluster; and every master is the smallest client_id of its cluster.
with

crosswalk as (

    select * from {{ ref('client_crosswalk') }}

),

split_clients as (

    -- Clients whose first-pass cluster held a never_merge pair (re-clustered on purpose).
    select overrides.client_id_a as client_id
    from {{ ref('match_overrides') }} as overrides
    where overrides.decision = 'never_merge'
    union all
    select overrides.client_id_b as client_id
    from {{ ref('match_overrides') }} as overrides
    where overrides.decision = 'never_merge'

),

unconverged as (

    select
        pairs.client_id_a,
        pairs.client_id_b,
        'merged pair in two clusters' as problem

    from {{ ref('int_client_pairs_scored') }} as pairs
    inner join crosswalk as crosswalk_a
        on pairs.client_id_a = crosswalk_a.client_id
    inner join crosswalk as crosswalk_b
        on pairs.client_id_b = crosswalk_b.client_id
    where
        pairs.match_decision = 'merge'
        and crosswalk_a.master_client_id <> crosswalk_b.master_client_id
        and not exists (select 1 from split_clients)

),

wrong_masters as (

    select
        master_client_id as client_id_a,
        min(client_id) as client_id_b,
        'master is not the smallest client_id' as problem

    from crosswalk
    group by master_client_id
    having min(client_id) <> master_client_id

)

select * from unconverged
union all
select * from wrong_masters
