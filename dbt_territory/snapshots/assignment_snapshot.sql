{% snapshot assignment_snapshot %}
{#- SCD2 of each master client's assignment: a new version when territory, advisor or rule
    changes. Validity is stamped with the run date (not the wall clock), so point-in-time
    questions are asked in business dates; a client absent from a run is closed (hard delete)
    on the run date too (macro snapshot_get_time), so re-runs stamp the same dates. -#}
{{
    config(
        unique_key='master_client_id',
        strategy='check',
        check_cols=['territory_id', 'advisor_email', 'rule_type', 'rule_id'],
        updated_at='assigned_at',
        hard_deletes='invalidate',
    )
}}

    select
        master_client_id,
        territory_id,
        advisor_email,
        tier,
        rule_type,
        rule_id,
        cast(run_date as timestamp) as assigned_at

    from {{ ref('fct_client_assignment') }}
    where run_date = {{ run_date() }}

{% endsnapshot %}
