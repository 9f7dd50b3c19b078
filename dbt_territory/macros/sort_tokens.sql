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

{#- fakesnow turns SPLIT's array into JSON, which its ARRAY_SORT cannot sort; STRTOK_TO_ARRAY
    gives a real list. The same words here: the input is whitespace-collapsed already. -#}
{% macro snowflake__sort_tokens(expression) -%}
    {%- if is_snowflake_emulated() -%}
    array_to_string(array_sort(strtok_to_array({{ expression }}, ' ')), ' ')
    {%- else -%}
    {{ default__sort_tokens(expression) }}
    {%- endif -%}
{%- endmacro %}
