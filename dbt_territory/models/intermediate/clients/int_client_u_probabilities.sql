-- u, P(level | two different companies), per attribute and level, from a deterministic random
-- sample of record pairs: records in the order of md5(`er_u_sample_seed` || client_id), each
-- paired with the next few (cyclically) so that about `er_u_sample_pairs` pairs are drawn, at
-- most 100 per record. Two random records are nearly always different companies. The same
-- seed draws the same pairs on DuckDB and Snowflake (md5 is the same hex digest on both).
-- Smoothed by one pseudo-count per level (Laplace), so no level has probability 0 and an
-- agreement never seen among random pairs stays finite. Beside it, the share of the sample
-- at each level that blocking does not pair (non_candidate_pair_share): u among all record
-- pairs (int_client_match_model) counts the candidate pairs in full and takes the rest from
-- here. With the `prior` row, this is the list of parameters the EM estimates.
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

candidate_pairs as (

    select * from {{ ref('int_client_pairs_blocked') }}

),

random_pairs as (

    select
        -- Whether blocking pairs these two too: the candidate pairs are counted in full by
        -- the EM (int_client_match_model), the sample only stands for the rest.
        candidate_pairs.client_id_a is not null as is_candidate,
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
    left join candidate_pairs
        on
            least(clients_a.client_id, clients_b.client_id) = candidate_pairs.client_id_a
            and greatest(clients_a.client_id, clients_b.client_id) = candidate_pairs.client_id_b

),

sample_size as (

    select count(*) as random_pairs
    from random_pairs

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
        count(*) as pair_count,
        count(case when not random_pairs.is_candidate then 1 end) as non_candidate_pair_count

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
            as random_pairs_known,
        -- The share of all record pairs that blocking leaves out and that are at this level
        -- (not smoothed: a level blocking always catches, the same name, has none).
        cast(coalesce(random_counts.non_candidate_pair_count, 0) as double)
        / nullif(sample_size.random_pairs, 0) as non_candidate_pair_share

    from levels
    cross join sample_size
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
        cast(null as bigint) as random_pairs_known,
        cast(null as double) as non_candidate_pair_share

)

select * from final
