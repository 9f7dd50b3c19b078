-- Territory definitions standing on the run date; `tier` empty = the region+segment default.
with

source as (

    select * from {{ source('crm', 'territories') }}
    where {{ standing_version('territories') }}

),

cleaned as (

    select
        upper(territory_id) as territory_id,
        territory_name,
        region,
        segment,
        tier,
        {{ normalize_label('region') }} as region_key,
        {{ normalize_label('segment') }} as segment_key,
        {{ normalize_label('tier') }} as tier_key,
        _run_date as definition_version_date

    from source

)

select * from cleaned
