-- Every staged CRM record mapped to its master client. Exact de-duplication only for now:
-- each record is its own master (fuzzy entity resolution replaces this mapping).
with

clients as (

    select * from {{ ref('stg_crm__clients') }}

),

crosswalk as (

    select
        client_id,
        client_id as master_client_id,
        'HIGH' as match_confidence,
        cast(1.0 as decimal(5, 4)) as match_score,
        'self' as match_rule

    from clients

)

select * from crosswalk
