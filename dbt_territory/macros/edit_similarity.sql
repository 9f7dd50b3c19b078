{#- 1 - Levenshtein distance / length of the longer string: unlike Jaro-Winkler, it charges
    every extra word ("acme capital" vs "acme capital partners ii" scores 0.5). -#}
{% macro edit_similarity(left, right) -%}
    (1.0 - {{ edit_distance(left, right) }}
        / greatest(length({{ left }}), length({{ right }}), 1))
{%- endmacro %}
