-- One row per master client on the run date: the golden record, its tier and its place in the
-- corporate hierarchy.
with

clients as (

    select * from {{ ref('int_clients_tiered') }}

),

hierarchy as (

    select * from {{ ref('int_clients_hierarchy_walked') }}

),

final as (

    select
        {{ surrogate_key(['clients.master_client_id']) }} as client_key,
        clients.master_client_id,
        clients.client_name,
        clients.country,
        clients.city,
        clients.postal_code,
        clients.region_raw,
        clients.segment_raw,
        clients.region_key,
        clients.segment_key,
        cast(clients.aum_usd as decimal(38, 2)) as aum_usd,
        cast(clients.annual_revenue_usd as decimal(38, 2)) as annual_revenue_usd,
        clients.tier,
        clients.is_aum_missing,
        clients.is_tier_defaulted,
        clients.advisor_email as crm_advisor_email,
        clients.parent_master_client_id,
        hierarchy.ultimate_parent_id,
        hierarchy.hierarchy_depth,
        hierarchy.hierarchy_path,
        hierarchy.has_hierarchy_cycle,
        cast(clients.record_count as integer) as record_count,
        clients.last_modified_at

    from clients
    inner join hierarchy
        on clients.master_client_id = hierarchy.master_client_id

)

select * from final
