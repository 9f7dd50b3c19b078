-- One golden record per master client. Survivorship, per attribute:
--   identity (client_name, country, city, postal_code): the most complete record of the
--     cluster (most of name/country/city/postal/AUM/parent filled), then the most recent;
--   commercial (region, segment, AUM, revenue, advisor, parent): the most recently modified
--     record that has a value;
--   a null always falls through to the next record in that order.
with

clients as (

    select * from {{ ref('stg_crm__clients') }}

),

clustered as (

    -- The night's records with their persistent master ids.
    select * from {{ ref('int_client_identities') }}
    where run_date = {{ run_date() }}

),

ranked as (

    select
        clustered.master_client_id,
        clients.*,
        row_number() over (
            partition by clustered.master_client_id
            order by
                (
                    case when clients.country is not null then 1 else 0 end
                    + case when clients.city is not null then 1 else 0 end
                    + case when clients.postal_code is not null then 1 else 0 end
                    + case when clients.aum_usd is not null then 1 else 0 end
                    + case when clients.parent_client_id is not null then 1 else 0 end
                ) desc,
                clients.last_modified_at desc,
                clients.client_id asc
        ) as completeness_rank,
        row_number() over (
            partition by clustered.master_client_id
            order by clients.last_modified_at desc, clients.client_id asc
        ) as recency_rank

    from clients
    inner join clustered
        on clients.client_id = clustered.client_id

),

golden as (

    select
        master_client_id,
        {%- for column in ['client_name', 'country', 'city', 'postal_code'] %}
            {{ first_non_null(column, 'completeness_rank') }} as {{ column }},
        {%- endfor %}
        {%- for column in ['region_raw', 'segment_raw', 'region_key', 'segment_key', 'aum_usd',
                           'annual_revenue_usd', 'advisor_email'] %}
            {{ first_non_null(column, 'recency_rank') }} as {{ column }},
        {%- endfor %}
        {{ first_non_null('parent_client_id', 'recency_rank') }} as parent_record_id,
        max(last_modified_at) as last_modified_at,
        count(*) as record_count

    from ranked
    group by master_client_id

),

with_parent_master as (

    -- The parent named by a CRM record resolves to that record's master client; a parent
    -- inside the client's own cluster is no parent.
    select
        golden.*,
        nullif(parent_clusters.master_client_id, golden.master_client_id) as parent_master_client_id

    from golden
    left join clustered as parent_clusters
        on golden.parent_record_id = parent_clusters.client_id

)

select * from with_parent_master
