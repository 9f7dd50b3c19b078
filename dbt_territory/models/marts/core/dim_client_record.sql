-- Every CRM record of the run date as the CRM holds it (after staging), with the master client
-- it resolved to and the strongest link that put it there: what the console's search, client
-- page and review decisions read about a record, so none of them reads staging.
-- search_text holds the words the console's search matches a query's words against (each as
-- the start of a word, in any order): the name's comparison form (punctuation gone, `&` read
-- "and", abbreviations expanded, legal forms dropped), the name's own cleaned words (so a
-- query may still say "llc" or "mgmt"), the city and the CRM id, padded with spaces.
with

crosswalk as (

    select * from {{ ref('client_crosswalk') }}

),

records as (

    select * from {{ ref('stg_crm__clients') }}

),

normalized as (

    select * from {{ ref('int_clients_normalized') }}

),

cleaned as (

    select
        client_id,
        {{ clean_company_name('client_name') }} as name_padded

    from records

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
        records.source_row_number,
        ' ' || {{ regexp_replace_all(
            "concat_ws(' ', coalesce(normalized.name_normalized, ''), cleaned.name_padded,"
            ~ " coalesce(normalized.city_key, ''), lower(records.client_id))", ' +', ' ') }}
        || ' ' as search_text

    from records
    left join crosswalk
        on records.client_id = crosswalk.client_id
    left join normalized
        on records.client_id = normalized.client_id
    left join cleaned
        on records.client_id = cleaned.client_id

)

select * from joined
