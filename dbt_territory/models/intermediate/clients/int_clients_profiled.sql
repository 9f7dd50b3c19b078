-- Each client's name profile for matching: the normalised forms, its distinctive words
-- (generic words removed, sorted), its three most distinctive words (rarest non-generic ones,
-- compared word by word when scoring) and its two rarest words (the blocking anchors).
with

clients as (

    select * from {{ ref('int_clients_normalized') }}

),

tokens as (

    select
        *,
        row_number() over (
            partition by client_id
            order by case when is_generic then 1 else 0 end, token_frequency, token
        ) as distinctive_rank

    from {{ ref('int_client_name_tokens') }}

),

profiles as (

    select
        client_id,
        {{ dbt.listagg('case when not is_generic then token end', "' '", 'order by token') }}
            as name_distinctive,
        -- The rarest non-generic word; the rarest word at all for an all-generic name.
        max(case when distinctive_rank = 1 then token end) as distinctive_token_1,
        -- Only a second non-generic word: "cote family trust" is about "cote" alone.
        max(case when distinctive_rank = 2 and not is_generic then token end) as distinctive_token_2,
        max(case when distinctive_rank = 3 and not is_generic then token end) as distinctive_token_3,
        -- How many of the three are there (1 for an all-generic name: its rarest word).
        least(3, greatest(1, count(case when not is_generic then 1 end)))
            as distinctive_token_count,
        -- Initials ("j", "a") and every word's first letter: two names whose initials each
        -- fit no word of the other ("charles j merriweather", "charles a merriweather")
        -- name two people.
        {{ dbt.listagg('case when length(token) = 1 then token end', "''", 'order by token') }}
            as name_initials,
        {{ dbt.listagg('substr(token, 1, 1)', "''", 'order by token') }} as name_first_letters,
        max(case when token_rarity_rank = 1 then token end) as rarest_token,
        max(case when token_rarity_rank = 2 then token end) as second_rarest_token

    from tokens
    group by client_id

),

profiled as (

    select
        clients.*,
        -- A name made only of generic words is its own distinctive part.
        coalesce(profiles.name_distinctive, clients.name_sorted) as name_distinctive,
        profiles.distinctive_token_1,
        profiles.distinctive_token_2,
        profiles.distinctive_token_3,
        profiles.distinctive_token_count,
        profiles.name_initials,
        profiles.name_first_letters,
        profiles.rarest_token,
        profiles.second_rarest_token

    from clients
    left join profiles
        on clients.client_id = profiles.client_id

),

counted as (

    select
        *,
        -- How many clients carry this exact name: the term frequency an exact name agreement
        -- is adjusted by ("brown trust" agreeing says less than "wetherby family office").
        count(*) over (partition by name_normalized) as name_frequency

    from profiled

)

select * from counted
