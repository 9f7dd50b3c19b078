-- Blocking: cheap equality keys; only clients sharing a key are compared. Every client gets
-- several keys so that one typo, word swap or dropped word cannot hide a duplicate from all
-- of them. Typo tolerance comes from deletion neighbourhoods (a word with any one letter
-- removed): "routcia" and "routica" both yield "routia". A key shared by more than
-- `er_max_block_size` clients is too common to tell companies apart and would make the
-- comparisons quadratic: it stays here, flagged `is_oversized`, and is not paired. Block
-- sizes come from a group-by joined back: a window over these ~16 rows per client costs
-- several times more.
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

    -- The two rarest words as they are (once per client), then each anchor word with any one
    -- letter deleted beside its untouched partner. Deleting either letter of a doubled pair
    -- gives the same variant, so only the first is deleted: every row is distinct as built
    -- (a `select distinct` over these rows would cost more than all the rest).
    select
        client_id,
        second_rarest_token as partner_token,
        rarest_token as token_variant
    from clients
    where rarest_token is not null

    union all

    {{ one_letter_deletions('anchor_words', 'token', ['client_id', 'partner_token'], skip_repeated_letters=true) }}

),

keys as (

    -- The two rarest words together, allowing one typo in either: very selective, and
    -- blind to any change elsewhere in the name.
    select
        client_id,
        'rare_token_pair' as blocking_rule,
        1 as rule_priority,
        coalesce(
            least(token_variant, partner_token) || ' ' || greatest(token_variant, partner_token),
            token_variant
        ) as blocking_key
    from typo_variants

    union all

    -- The name's prefix: catches typos in a name's later words (a key on one rare word
    -- alone, or on the word-sorted prefix, found 0.4% more true pairs for 2.4x the pairs).
    select
        client_id,
        'name_prefix' as blocking_rule,
        2 as rule_priority,
        left(name_compact, {{ var('er_prefix_length') }}) as blocking_key
    from clients

    union all

    -- Same postcode in the same country: catches names changed beyond the keys above.
    select
        client_id,
        'postal_code' as blocking_rule,
        3 as rule_priority,
        country || ' ' || postal_code as blocking_key
    from clients
    where country is not null and postal_code is not null

),

valid_keys as (

    select * from keys
    where blocking_key is not null

),

block_sizes as (

    select
        blocking_rule,
        blocking_key,
        count(*) as block_size

    from valid_keys
    group by blocking_rule, blocking_key

),

flagged as (

    select
        valid_keys.client_id,
        valid_keys.blocking_rule,
        valid_keys.rule_priority,
        valid_keys.blocking_key,
        block_sizes.block_size,
        block_sizes.block_size > {{ var('er_max_block_size') }} as is_oversized

    from valid_keys
    inner join block_sizes
        on
            valid_keys.blocking_rule = block_sizes.blocking_rule
            and valid_keys.blocking_key = block_sizes.blocking_key

)

select * from flagged
