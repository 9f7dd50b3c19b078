{#- Snapshots are stamped in business time: dbt stamps the rows it closes because their key left
    the source (hard_deletes) with this macro, which is the wall clock by default. Here it is
    the logical run date, like the `updated_at` of the snapshot itself, so re-runs and backfills
    give the same dbt_valid_to. Overrides dbt's global macro on every adapter. -#}
{% macro snapshot_get_time() -%}
    cast({{ run_date() }} as timestamp)
{%- endmacro %}
