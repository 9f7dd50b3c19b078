-- The run date has matcher parameters (int_client_match_model): a night whose estimate is
-- missing, e.g. var `er_model_parameters_version` pinned to a run date that has none, would
-- otherwise score every pair with no weights and merge nothing, silently.
select {{ run_date() }} as run_date
where not exists (
    select 1
    from {{ ref('int_client_match_model') }}
    where run_date = {{ run_date() }} and comparison = 'prior'
)
