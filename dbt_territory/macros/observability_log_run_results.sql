{#- on-run-end hook: record what this invocation did in the `observability` schema.
    model_execution_log: one row per node result (models, seeds, snapshots, tests);
    layer_record_counts: rows in every model/seed/snapshot relation built by the run;
    data_quality_results: one row per data test (status, failures).
    Plain inserts (no MERGE), so it works on DuckDB, Snowflake and fakesnow alike. -#}
{% macro observability_log_run_results(results) -%}
    {#- compile / docs / show also fire on-run-end: only commands that execute nodes are logged. -#}
    {%- if execute and results and flags.WHICH in ('build', 'run', 'test', 'seed', 'snapshot') -%}
        {%- set schema = 'observability' -%}
        {%- do adapter.create_schema(api.Relation.create(database=target.database, schema=schema)) -%}
        {%- set run_date_value = var('run_date', none) -%}
        {%- set run_date_sql = ("cast('" ~ run_date_value ~ "' as date)") if run_date_value else 'cast(null as date)' -%}
        {%- set string_type = dbt.type_string() -%}

        {%- do run_query(
            'create table if not exists ' ~ schema ~ '.model_execution_log ('
            ~ 'invocation_id ' ~ string_type ~ ', run_date date, node_name ' ~ string_type
            ~ ', resource_type ' ~ string_type ~ ', status ' ~ string_type
            ~ ', rows_affected bigint, execution_seconds double precision, logged_at timestamp)'
        ) -%}
        {%- do run_query(
            'create table if not exists ' ~ schema ~ '.layer_record_counts ('
            ~ 'invocation_id ' ~ string_type ~ ', run_date date, layer ' ~ string_type
            ~ ', relation_name ' ~ string_type ~ ', record_count bigint, logged_at timestamp)'
        ) -%}
        {%- do run_query(
            'create table if not exists ' ~ schema ~ '.data_quality_results ('
            ~ 'invocation_id ' ~ string_type ~ ', run_date date, test_name ' ~ string_type
            ~ ', status ' ~ string_type ~ ', failures bigint, message ' ~ string_type
            ~ ', logged_at timestamp)'
        ) -%}

        {%- set execution_rows = [] -%}
        {%- set count_selects = [] -%}
        {%- set test_rows = [] -%}
        {%- for result in results -%}
            {%- set node = result.node -%}
            {%- set rows_affected = (result.adapter_response or {}).get('rows_affected') -%}
            {%- do execution_rows.append(
                "('" ~ invocation_id ~ "', " ~ run_date_sql ~ ", '" ~ node.name ~ "', '"
                ~ node.resource_type ~ "', '" ~ result.status ~ "', "
                ~ (rows_affected if rows_affected is number else 'null') ~ ", "
                ~ (result.execution_time or 0) ~ ", current_timestamp)"
            ) -%}
            {%- if node.resource_type in ('model', 'seed', 'snapshot') and result.status == 'success'
                and node.config.materialized != 'ephemeral' -%}
                {%- set relation = api.Relation.create(
                    database=node.database, schema=node.schema, identifier=node.alias
                ) -%}
                {%- do count_selects.append(
                    "select '" ~ invocation_id ~ "', " ~ run_date_sql ~ ", '" ~ node.schema ~ "', '"
                    ~ node.alias ~ "', count(*), current_timestamp from " ~ relation
                ) -%}
            {%- elif node.resource_type == 'test' -%}
                {%- do test_rows.append(
                    "('" ~ invocation_id ~ "', " ~ run_date_sql ~ ", '" ~ node.name ~ "', '"
                    ~ result.status ~ "', " ~ (result.failures if result.failures is number else 'null')
                    ~ ", '" ~ (result.message or '') | string | replace("'", "''") | truncate(500, true, '')
                    ~ "', current_timestamp)"
                ) -%}
            {%- endif -%}
        {%- endfor -%}

        {%- if execution_rows -%}
            {%- do run_query('insert into ' ~ schema ~ '.model_execution_log values ' ~ execution_rows | join(', ')) -%}
        {%- endif -%}
        {%- if count_selects -%}
            {%- do run_query('insert into ' ~ schema ~ '.layer_record_counts ' ~ count_selects | join(' union all ')) -%}
        {%- endif -%}
        {%- if test_rows -%}
            {%- do run_query('insert into ' ~ schema ~ '.data_quality_results values ' ~ test_rows | join(', ')) -%}
        {%- endif -%}
        {%- if target.type != 'duckdb' -%}{%- do run_query('commit') -%}{%- endif -%}
    {%- endif -%}
    select 1
{%- endmacro %}
