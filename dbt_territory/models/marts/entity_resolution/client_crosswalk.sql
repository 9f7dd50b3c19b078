-- Every staged CRM record mapped to its master client (exactly one row per client_id), with
-- the confidence, score and rule of its strongest link into the cluster ('SELF' / 1 / 'self'
-- for a record with no duplicate).
with

clustered as (

    select * from {{ ref('int_clients_clustered') }}

),

crosswalk as (

    select
        client_id,
        master_client_id,
        match_confidence,
        match_score,
        match_rule

    from clustered

)

select * from crosswalk
