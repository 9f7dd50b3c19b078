{#- Deletion neighbourhoods for typo-tolerant matching: two words one typo apart share a variant
    with one letter deleted ("routcia" and "routica" both give "routia"). A full select statement:
    one row per word of `word_column` in `relation` at least `min_length` letters long and per
    letter deleted, with `columns` of `relation` and the variant (last) as `variant_column`.
    `positions` is a relation or CTE of integers 1..`er_max_token_length` in `generated_number`
    (dbt.generate_series), longer words keep their letters past it. With
    `skip_repeated_letters`, a letter equal to the one before it is not deleted (either letter
    of a doubled pair gives the same variant), so every row is distinct as built. -#}
{% macro one_letter_deletions(
    relation,
    word_column,
    columns,
    variant_column='token_variant',
    positions='positions',
    skip_repeated_letters=false,
    min_length=var('er_min_typo_token_length')
) -%}
    {{ return(adapter.dispatch('one_letter_deletions', 'territory')(
        relation, word_column, columns, variant_column, positions, skip_repeated_letters, min_length
    )) }}
{%- endmacro %}

{% macro default__one_letter_deletions(
    relation, word_column, columns, variant_column, positions, skip_repeated_letters, min_length
) -%}
    {%- set word = relation ~ '.' ~ word_column -%}
    {%- set position = positions ~ '.generated_number' -%}
    select
        {%- for column in columns %}
        {{ relation }}.{{ column }},
        {%- endfor %}
        left({{ word }}, {{ position }} - 1)
        || substr({{ word }}, {{ position }} + 1) as {{ variant_column }}

    from {{ relation }}
    inner join {{ positions }}
        on {{ position }} <= length({{ word }})
    where
        length({{ word }}) >= {{ min_length }}
        {%- if skip_repeated_letters %}
        and (
            {{ position }} = 1
            or substr({{ word }}, {{ position }}, 1)
            <> substr({{ word }}, {{ position }} - 1, 1)
        )
        {%- endif %}
{%- endmacro %}
