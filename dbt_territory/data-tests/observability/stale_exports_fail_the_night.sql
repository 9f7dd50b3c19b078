{#- A delivery past its error threshold (source registry) fails the night: assignments computed
    from a CRM export stuck on an old copy, or a roster long out of date, would be wrong
    without anyone noticing. Night-scoped: an earlier night keeps the verdict it was built
    with. The failing rows carry the message `territory run` prints. -#}
select
    source_file,
    message

from {{ ref('rpt_export_freshness') }}
where
    run_date = {{ run_date() }}
    and status = 'ERROR'
