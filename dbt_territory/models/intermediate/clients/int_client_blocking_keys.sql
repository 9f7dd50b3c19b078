-- Blocking: cheap equality keys; only clients sharing a key are compared. Every client gets
-- several keys so that one typo, word swap or dropped word cannot hide a duplicate from all
-- of them. Typo tolerance comes from deletion neighbourhoods (a word with any one letter
-- removed): "routcia" and "routica" both yield "routia". A key shared by more than
-- `er_max_block_size` clients is too common to tell companies apart and would make the
-- comparisons quadratic: it stays here, flagged `is_oversized`, and is not paired.
with

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

positions as (

    {{ dbt.generate_series(var('er_max_token_length')) }}

),

anchor_words as (

    -- The two rarest words, each with its partner (null for a one-word name).
    select
        client_id,
        rarest_token as token,
        second_rarest_token as partner_token
    from clients
    where rarest_token is not null

    union all

    select
        client_id,
        second_rarest_token as token,
        rarest_token as partner_token
    from clients
    where second_rarest_token is not null

),

typo_variants as (

    -- Each anchor word as is and with any one letter deleted, beside its untouched partner.
    select
        client_id,
        token as token_variant,
        partner_token
    from anchor_words

    union all

    select
        anchor_words.client_id,
        left(anchor_words.token, positions.generated_number - 1)
        || substr(anchor_words.token, positions.generated_number + 1) as token_variant,
        anchor_words.partner_token

    from anchor_words
    inner join positions
        on positions.generated_number <= length(anchor_words.token)
    where length(anchor_words.token) >= {{ var('er_min_typo_token_length') }}

),

keys as (

    -- The two rarest words together, allowing one typo in either: very selective, and
    -- blind to any change elsewhere in the name.
    select distinct
        client_id,
        'rare_token_pair' as blocking_rule,
        1 as rule_priority,
        coalesce(
            least(token_variant, partner_token) || ' ' || greatest(token_variant, partner_token),
            token_variant
        ) as blocking_key
    from typo_variants

    union all

    -- Each of the two rarest words alone (a word dropped or changed elsewhere).
    select
        client_id,
        'rare_token' as blocking_rule,
        2 as rule_priority,
        token as blocking_key
    from anchor_words

    union all

    -- Name prefixes, as written and with words sorted: catch late typos and word swaps.
    select
        client_id,
        'name_prefix' as blocking_rule,
        3 as rule_priority,
        left(name_compact, {{ var('er_prefix_length') }}) as blocking_key
    from clients

    union all

    select
        client_id,
        'sorted_name_prefix' as blocking_rule,
        4 as rule_priority,
        left(replace(name_sorted, ' ', ''), {{ var('er_prefix_length') }}) as blocking_key
    from clients

    union all

    -- Same postcode in the same country: catches names changed beyond the keys above.
    select
        client_id,
        'postal_code' as blocking_rule,
        5 as rule_priority,
        country || ' ' || postal_code as blocking_key
    from clients
    where country is not null and postal_code is not null

),

sized as (

    select
        client_id,
        blocking_rule,
        rule_priority,
        blocking_key,
        count(*) over (partition by blocking_rule, blocking_key) as block_size

    from keys
    where blocking_key is not null

),

flagged as (

    select
        client_id,
        blocking_rule,
        rule_priority,
        blocking_key,
        block_size,
        block_size > {{ var('er_max_block_size') }} as is_oversized

    from sized

)

select * from flagged
