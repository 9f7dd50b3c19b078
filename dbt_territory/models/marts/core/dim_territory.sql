-- Territories standing on the run date, plus the UNASSIGNED territory that clients matching no
-- rule land in (so an assignment is never null).
with

territories as (

    select * from {{ ref('stg_crm__territories') }}

),

with_unassigned as (

    select
        territory_id,
        territory_name,
        region,
        segment,
        tier,
        false as is_unassigned

    from territories

    union all

    select
        'UNASSIGNED' as territory_id,
        'Unassigned' as territory_name,
        null as region,
        null as segment,
        null as tier,
        true as is_unassigned

),

final as (

    select
        {{ surrogate_key(['territory_id']) }} as territory_key,
        cast(territory_id as {{ dbt.type_string() }}) as territory_id,
        cast(territory_name as {{ dbt.type_string() }}) as territory_name,
        cast(region as {{ dbt.type_string() }}) as region,
        cast(segment as {{ dbt.type_string() }}) as segment,
        cast(tier as {{ dbt.type_string() }}) as tier,
        is_unassigned

    from with_unassigned

)

select * from final
