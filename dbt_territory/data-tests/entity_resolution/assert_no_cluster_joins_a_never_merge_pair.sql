-- A `never_merge` decision (seed or steward) wins over scores and over transitive chains of merges.
select
    overrides.client_id_a,
    overrides.client_id_b,
    crosswalk_a.master_client_id

from {{ ref('int_match_overrides_unioned') }} as overrides
inner join {{ ref('client_crosswalk') }} as crosswalk_a
    on overrides.client_id_a = crosswalk_a.client_id
inner join {{ ref('client_crosswalk') }} as crosswalk_b
    on overrides.client_id_b = crosswalk_b.client_id
where
    overrides.decision = 'never_merge'
    and crosswalk_a.master_client_id = crosswalk_b.master_client_id
