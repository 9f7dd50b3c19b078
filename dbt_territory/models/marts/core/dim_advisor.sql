-- The advisor roster standing on the run date: one row per advisor and territory served.
with

advisors as (

    select * from {{ ref('stg_crm__advisors') }}

),

final as (

    select
        {{ surrogate_key(['advisor_email', 'territory_id']) }} as advisor_key,
        advisor_email,
        full_name,
        territory_id,
        capacity,
        is_active

    from advisors

)

select * from final
