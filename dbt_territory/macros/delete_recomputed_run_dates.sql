{#- Pre-hook of the facts kept per run date. On an incremental run it deletes the run date the
    model is about to rebuild (and, with `next_date_of`, the next later run date present in that
    relation, which the model also recomputes), so a date whose new result is empty loses its
    old rows too: delete+insert alone only replaces the dates present in the new batch. -#}
{% macro delete_recomputed_run_dates(next_date_of=none) -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            run_date = {{ run_date() }}
            {%- if next_date_of %}
                or run_date = (
                    select min(later.run_date) from {{ next_date_of }} as later
                    where later.run_date > {{ run_date() }}
                )
            {%- endif %}
    {%- endif -%}
{%- endmacro %}
