-- Every CRM record of the run date as the CRM holds it (after staging), with the master client
-- it resolved to and the strongest link that put it there: what the console's search, client
-- page and review decisions read about a record, so none of them reads staging.
with

crosswalk as (

    select * from {{ ref('client_crosswalk') }}

),

records as (

    select * from {{ ref('stg_crm__clients') }}

),

joined as (

    select
        records.client_id,
        crosswalk.master_client_id,
        crosswalk.match_confidence,
        crosswalk.match_score,
        crosswalk.match_rule,
        records.client_name,
        records.parent_client_id,
        records.country,
        records.city,
        records.postal_code,
        records.region_raw,
        records.segment_raw,
        records.aum_usd,
        records.annual_revenue_usd,
        records.advisor_email,
        records.last_modified_at,
        records.source_file,
        records.source_row_number

    from records
    left join crosswalk
        on records.client_id = crosswalk.client_id

)

select * from joined
