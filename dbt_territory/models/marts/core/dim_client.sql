-- One row per master client on the run date: the golden record, its tier and its place in the
-- corporate hierarchy.
with

golden as (

    select * from {{ ref('int_clients_golden') }}

),

tiered as (

    select * from {{ ref('int_clients_tiered') }}

),

hierarchy as (

    select * from {{ ref('int_clients_hierarchy_walked') }}

),

final as (

    select
        {{ surrogate_key(['golden.master_client_id']) }} as client_key,
        golden.master_client_id,
        golden.client_name,
        golden.country,
        golden.city,
        golden.postal_code,
        golden.region_raw,
        golden.segment_raw,
        golden.region_key,
        golden.segment_key,
        cast(golden.aum_usd as decimal(38, 2)) as aum_usd,
        cast(golden.annual_revenue_usd as decimal(38, 2)) as annual_revenue_usd,
        tiered.tier,
        tiered.is_aum_missing,
        tiered.is_tier_defaulted,
        golden.advisor_email as crm_advisor_email,
        golden.parent_master_client_id,
        hierarchy.ultimate_parent_id,
        hierarchy.hierarchy_depth,
        hierarchy.hierarchy_path,
        hierarchy.has_hierarchy_cycle,
        cast(golden.record_count as integer) as record_count,
        golden.last_modified_at

    from golden
    inner join tiered
        on golden.master_client_id = tiered.master_client_id
    inner join hierarchy
        on golden.master_client_id = hierarchy.master_client_id

)

select * from final
