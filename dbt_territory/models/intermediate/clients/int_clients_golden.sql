-- One golden record per master client. Survivorship: the most recently modified record of
-- the cluster wins each attribute it has; a null falls through to the next most recent.
with

clients as (

    select * from {{ ref('stg_crm__clients') }}

),

crosswalk as (

    select * from {{ ref('client_crosswalk') }}

),

clustered as (

    select
        crosswalk.master_client_id,
        clients.*,
        row_number() over (
            partition by crosswalk.master_client_id
            order by clients.last_modified_at desc, clients.client_id
        ) as recency_rank

    from clients
    inner join crosswalk
        on clients.client_id = crosswalk.client_id

),

golden as (

    select
        master_client_id,
        {%- for column in ['client_name', 'country', 'city', 'postal_code', 'region_raw',
                           'segment_raw', 'region_key', 'segment_key', 'aum_usd',
                           'annual_revenue_usd', 'advisor_email'] %}
        {{ first_non_null(column, 'recency_rank') }} as {{ column }},
        {%- endfor %}
        {{ first_non_null('parent_client_id', 'recency_rank') }} as parent_record_id,
        max(last_modified_at) as last_modified_at,
        count(*) as record_count

    from clustered
    group by master_client_id

),

with_parent_master as (

    -- The parent named by a CRM record resolves to that record's master client.
    select
        golden.*,
        parent_crosswalk.master_client_id as parent_master_client_id

    from golden
    left join crosswalk as parent_crosswalk
        on golden.parent_record_id = parent_crosswalk.client_id

)

select * from with_parent_master
