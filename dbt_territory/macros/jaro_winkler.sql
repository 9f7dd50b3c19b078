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
