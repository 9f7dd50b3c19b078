{#- String similarity on a 0-1 scale, the same on every warehouse. DuckDB's
    jaro_winkler_similarity is 0-1 and case-sensitive, Snowflake's JAROWINKLER_SIMILARITY an
    integer 0-100 and case-insensitive: both sides are lowercased, and DuckDB's is rounded to
    the same whole percent, so pair scores (and decisions at a threshold) agree row for row
    (tests/snowflake/test_dbt_on_fakesnow.py). -#}
{% macro jaro_winkler(left, right) -%}
    {{ return(adapter.dispatch('jaro_winkler', 'territory')(left, right)) }}
{%- endmacro %}

{% macro default__jaro_winkler(left, right) -%}
    (cast(jaro_winkler_similarity(lower({{ left }}), lower({{ right }})) * 100 as integer) / 100.0)
{%- endmacro %}

{% macro snowflake__jaro_winkler(left, right) -%}
    (jarowinkler_similarity({{ left }}, {{ right }}) / 100.0)
{%- endmacro %}

{#- 1 - Levenshtein distance / length of the longer string: unlike Jaro-Winkler, it charges
    every extra word ("acme capital" vs "acme capital partners ii" scores 0.5). -#}
{% macro edit_similarity(left, right) -%}
    {{ return(adapter.dispatch('edit_similarity', 'territory')(left, right)) }}
{%- endmacro %}

{% macro default__edit_similarity(left, right) -%}
    (1.0 - levenshtein({{ left }}, {{ right }})
        / greatest(length({{ left }}), length({{ right }}), 1))
{%- endmacro %}

{% macro snowflake__edit_similarity(left, right) -%}
    (1.0 - editdistance({{ left }}, {{ right }})
        / greatest(length({{ left }}), length({{ right }}), 1))
{%- endmacro %}

{#- The words of a space-separated string in alphabetical order ("jones and smith" for
    "smith and jones"), so word swaps compare equal. -#}
{% macro sort_tokens(expression) -%}
    {{ return(adapter.dispatch('sort_tokens', 'territory')(expression)) }}
{%- endmacro %}

{% macro default__sort_tokens(expression) -%}
    array_to_string(array_sort(split({{ expression }}, ' ')), ' ')
{%- endmacro %}

{% macro duckdb__sort_tokens(expression) -%}
    array_to_string(list_sort(string_split({{ expression }}, ' ')), ' ')
{%- endmacro %}

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
