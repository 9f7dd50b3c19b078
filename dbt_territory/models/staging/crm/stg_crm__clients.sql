-- One row per CRM client record for the run date: the day's full export, exact duplicates
-- collapsed to the latest `last_modified` (then the later row in the file).
with

source as (

    select * from {{ source('crm', 'clients') }}
    where _run_date = {{ run_date() }}

),

cleaned as (

    select
        client_id,
        client_name,
        nullif(parent_client_id, client_id) as parent_client_id,
        upper(country) as country,
        city,
        upper(replace(postal_code, ' ', '')) as postal_code,
        region as region_raw,
        segment as segment_raw,
        {{ normalize_label('region') }} as region_key,
        {{ normalize_label('segment') }} as segment_key,
        cast(aum_usd as decimal(38, 2)) as aum_usd,
        cast(annual_revenue_usd as decimal(38, 2)) as annual_revenue_usd,
        lower(advisor_email) as advisor_email,
        last_modified as last_modified_at,
        _run_date as run_date,
        _source_file as source_file,
        _source_row_number as source_row_number,
        _load_time as loaded_at

    from source
    qualify row_number() over (
        partition by client_id
        order by last_modified desc, _source_row_number desc
    ) = 1

)

select * from cleaned
