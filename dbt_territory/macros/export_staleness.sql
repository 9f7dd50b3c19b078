{#- Generated from loaders/sources.py by `territory contract`; do not edit.
    When each delivery is stale, in days before the night's run date: a daily
    export by the newest `column` in the night's delivery, a static reference by
    the age of its standing version. error_after_days none: a warning only. -#}
{% macro export_staleness() -%}
    {{ return([
        {'source_name': 'clients', 'file': 'clients.csv', 'column': 'last_modified',
         'warn_after_days': 3, 'error_after_days': 7},
        {'source_name': 'advisors', 'file': 'advisors.json', 'column': none,
         'warn_after_days': 35, 'error_after_days': 100},
        {'source_name': 'territories', 'file': 'territories.csv', 'column': none,
         'warn_after_days': 100, 'error_after_days': 460},
        {'source_name': 'whitelist', 'file': 'whitelist.csv', 'column': none,
         'warn_after_days': 100, 'error_after_days': none},
        {'source_name': 'blacklist', 'file': 'blacklist.csv', 'column': none,
         'warn_after_days': 100, 'error_after_days': none},
    ]) }}
{%- endmacro %}
