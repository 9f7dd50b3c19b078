-- Each staged client with the comparison forms of its name and place: the matcher's input.
with

clients as (

    select * from {{ ref('stg_crm__clients') }}

),

cleaned as (

    -- Name normalisation in three shallow steps (macro normalize_company_name in one).
    select
        *,
        {{ clean_company_name('client_name') }} as name_padded

    from clients

),

expanded as (

    select
        *,
        {{ expand_company_abbreviations('name_padded') }} as name_expanded

    from cleaned

),

normalized as (

    select
        client_id,
        client_name,
        {{ strip_legal_forms('name_expanded') }} as name_normalized,
        parent_client_id,
        nullif(trim(country), '') as country,
        nullif(trim(lower({{ fold_accents('city') }})), '') as city_key,
        nullif(postal_code, '') as postal_code,
        aum_usd,
        last_modified_at

    from expanded

),

with_forms as (

    select
        client_id,
        client_name,
        name_normalized,
        {{ sort_tokens('name_normalized') }} as name_sorted,
        replace(name_normalized, ' ', '') as name_compact,
        -- Numbers and roman numerals tell fund series apart ("fund ii" vs "fund iii").
        trim({{ regexp_replace_all(
            regexp_replace_all("' ' || replace(name_normalized, ' ', '  ') || ' '",
                ' ([a-z0-9]*[a-hj-uwyz][a-z0-9]*) ', ' '),
            ' +', ' ') }}) as name_numbers,
        parent_client_id,
        country,
        city_key,
        postal_code,
        aum_usd,
        last_modified_at

    from normalized

)

select * from with_forms
