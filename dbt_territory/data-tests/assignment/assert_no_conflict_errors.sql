{#- Fails the build on ERROR conflicts when var fail_on_conflict_errors is true; warns otherwise. -#}
{{ config(severity=('error' if var('fail_on_conflict_errors', false) | string | lower == 'true' else 'warn')) }}

select * from {{ ref('rpt_assignment_conflicts') }}
where severity = 'ERROR'
