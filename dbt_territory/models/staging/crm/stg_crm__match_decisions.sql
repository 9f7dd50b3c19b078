-- Data-steward match decisions from the console's journal (`INBOX/steward/match_decisions.csv`),
-- the version standing on the run date. Every decision stays (revised and future ones too):
-- int_match_overrides_unioned applies effective dates and keeps a pair's latest decision. Pairs
-- are ordered here, once for every reader (client_id_a < client_id_b), as the console writes them.
with

source as (

    select * from {{ source('crm', 'match_decisions') }}
    where {{ standing_version('match_decisions') }}

),

cleaned as (

    select
        decision_id,
        least(client_id_a, client_id_b) as client_id_a,
        greatest(client_id_a, client_id_b) as client_id_b,
        lower(decision) as decision,
        note,
        decided_by,
        decided_at,
        effective_from,
        _source_row_number as source_row_number,
        _run_date as decisions_version_date

    from source

)

select * from cleaned
