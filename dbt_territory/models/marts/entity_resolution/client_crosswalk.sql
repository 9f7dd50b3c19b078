-- Every staged CRM record of the run date mapped to its persistent master client (exactly one
-- row per client_id), with the confidence, score and rule of its strongest link into the
-- cluster ('SELF' / 1 / 'self' for a record with no duplicate).
with

clustered as (

    select * from {{ ref('int_clients_clustered') }}

),

identities as (

    select * from {{ ref('int_client_identities') }}
    where run_date = {{ run_date() }}

),

crosswalk as (

    select
        clustered.client_id,
        identities.master_client_id,
        clustered.match_confidence,
        clustered.match_score,
        clustered.match_rule

    from clustered
    inner join identities
        on clustered.client_id = identities.client_id

)

select * from crosswalk
