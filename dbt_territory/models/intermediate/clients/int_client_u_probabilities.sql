-- u, P(level | two different companies), per attribute and level, from a deterministic random
-- sample of record pairs: records in the order of md5(`er_u_sample_seed` || client_id), each
-- paired with the next few (cyclically) so that about `er_u_sample_pairs` pairs are drawn, at
-- most 100 per record. Two random records are nearly always different companies. The same
-- seed draws the same pairs on DuckDB and Snowflake (md5 is the same hex digest on both).
-- Smoothed by one pseudo-count per level (Laplace), so no level has probability 0 and an
-- agreement never seen among random pairs stays finite. With the `prior` row, this is the
-- list of parameters the EM (int_client_match_model) estimates.
{%- set comparisons = client_comparisons() %}
with

clients as (

    select * from {{ ref('int_clients_profiled') }}

),

numbered as (

    select
        *,
        row_number() over (
            order by md5('{{ var("er_u_sample_seed") }}' || client_id), client_id
        ) as sample_position,
        count(*) over () as clients

    from clients

),

offsets as (

    {{ dbt.generate_series(100) }}

),

random_pairs as (

    select
        {{ client_comparison_levels('clients_a', 'clients_b') }}

    from numbered as clients_a
    inner join offsets
        on offsets.generated_number <= least(
            100, clients_a.clients - 1, ceil({{ var('er_u_sample_pairs') }} / clients_a.clients)
        )
    inner join numbered as clients_b
        on
            clients_b.sample_position
            = mod(clients_a.sample_position + offsets.generated_number - 1, clients_a.clients) + 1

),

levels as (

    {%- for comparison, count in comparisons.items() %}
        {%- set outer = loop %}
        {%- for level in range(count) %}
            select
                '{{ comparison }}' as comparison,
                {{ level }} as comparison_level,
                {{ count }} as level_count
            {%- if not (loop.last and outer.last) %}
                union all
            {%- endif %}
        {%- endfor %}
    {%- endfor %}

),

random_counts as (

    -- One pass over the pairs for every attribute (a union per attribute would pair again).
    select
        levels.comparison,
        levels.comparison_level,
        count(*) as pair_count

    from random_pairs
    inner join levels
        on levels.comparison_level = case levels.comparison
            {%- for comparison in comparisons %}
                when '{{ comparison }}' then random_pairs.{{ comparison }}_level
            {%- endfor %}
        end
    group by levels.comparison, levels.comparison_level

),

estimated as (

    select
        levels.comparison,
        levels.comparison_level,
        levels.level_count,
        cast(
            (coalesce(random_counts.pair_count, 0) + 1.0)
            / (
                sum(coalesce(random_counts.pair_count, 0)) over (partition by levels.comparison)
                + levels.level_count
            )
            as double
        ) as u_probability,
        -- Random pairs with this attribute known on both sides.
        sum(coalesce(random_counts.pair_count, 0)) over (partition by levels.comparison)
            as random_pairs_known

    from levels
    left join random_counts
        on
            levels.comparison = random_counts.comparison
            and levels.comparison_level = random_counts.comparison_level

),

final as (

    select * from estimated

    union all

    select
        'prior' as comparison,
        0 as comparison_level,
        1 as level_count,
        cast(null as double) as u_probability,
        cast(null as bigint) as random_pairs_known

)

select * from final
