-- One row per (client, distinct word of its normalised name) with how many clients share the
-- word. Rare words identify a company; a word carried by more than `er_generic_token_share`
-- of all clients (and at least `er_generic_token_min_count`) is generic ("capital",
-- "family", "investments"): learnt from the data, so it adapts to any CRM's vocabulary. A
-- rare word one typo away from a generic one ("invesments") is generic too, so a typo in
-- "investments" does not pass for a distinctive difference.
with

clients as (

    select * from {{ ref('int_clients_normalized') }}

),

words as (

    {{ split_words_to_rows('clients', 'client_id', 'name_normalized') }}

),

distinct_words as (

    select distinct
        client_id,
        word as token

    from words
    where word <> ''

),

frequencies as (

    select
        token,
        count(*) as token_frequency

    from distinct_words
    group by token

),

generic_cut as (

    select
        greatest(
            {{ var('er_generic_token_min_count') }},
            count(*) * {{ var('er_generic_token_share') }}
        ) as max_distinctive_frequency

    from clients

),

positions as (

    {{ dbt.generate_series(var('er_max_token_length')) }}

),

vocabulary as (

    select
        frequencies.token,
        frequencies.token_frequency,
        frequencies.token_frequency > generic_cut.max_distinctive_frequency as is_frequent

    from frequencies
    cross join generic_cut

),

deletion_variants as (

    -- Each word as is and with any one letter deleted (words of 4+ letters).
    select
        token,
        is_frequent,
        token as token_variant
    from vocabulary

    union all

    {{ one_letter_deletions('vocabulary', 'token', ['token', 'is_frequent']) }}

),

typos_of_generic as (

    -- Two words sharing a deletion variant are at most one typo apart.
    select distinct rare_variants.token

    from deletion_variants as rare_variants
    inner join deletion_variants as generic_variants
        on rare_variants.token_variant = generic_variants.token_variant
    where not rare_variants.is_frequent and generic_variants.is_frequent

),

classified as (

    select
        vocabulary.token,
        vocabulary.token_frequency,
        vocabulary.is_frequent or typos_of_generic.token is not null as is_generic

    from vocabulary
    left join typos_of_generic
        on vocabulary.token = typos_of_generic.token

),

ranked as (

    select
        distinct_words.client_id,
        distinct_words.token,
        classified.token_frequency,
        classified.is_generic,
        row_number() over (
            partition by distinct_words.client_id
            order by classified.token_frequency, distinct_words.token
        ) as token_rarity_rank

    from distinct_words
    inner join classified
        on distinct_words.token = classified.token

)

select * from ranked
