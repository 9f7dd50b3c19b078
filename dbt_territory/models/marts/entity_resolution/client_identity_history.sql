{{ config(materialized="view") }}
-- Which master client every CRM record belonged to on every run date: the identity map kept
-- per night, so history stays queryable for records that no longer exist (client_crosswalk
-- is the newest night only).
with

identities as (

    select * from {{ ref('int_client_identities') }}

),

history as (

    select
        {{ surrogate_key(['run_date', 'client_id']) }} as identity_key,
        run_date,
        client_id,
        master_client_id,
        previous_master_client_id

    from identities

)

select * from history
