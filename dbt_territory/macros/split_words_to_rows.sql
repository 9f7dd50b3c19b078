{#- One row per (id, word) of a space-separated text column: a full select statement, because
    DuckDB unnests lists in the select list and Snowflake flattens them in a lateral join. -#}
{% macro split_words_to_rows(relation, id_column, text_column) -%}
    {{ return(adapter.dispatch('split_words_to_rows', 'territory')(relation, id_column, text_column)) }}
{%- endmacro %}

{% macro default__split_words_to_rows(relation, id_column, text_column) -%}
    select
        {{ relation }}.{{ id_column }},
        cast(words.value as {{ dbt.type_string() }}) as word,
        words.index + 1 as word_position
    from {{ relation }},
        lateral flatten(input => split({{ relation }}.{{ text_column }}, ' ')) as words
{%- endmacro %}

{% macro duckdb__split_words_to_rows(relation, id_column, text_column) -%}
    select
        {{ id_column }},
        unnest(string_split({{ text_column }}, ' ')) as word,
        generate_subscripts(string_split({{ text_column }}, ' '), 1) as word_position
    from {{ relation }}
{%- endmacro %}
