-- Every manual match decision the newest build read (the seed's and the data steward's, as
-- int_match_overrides_unioned unions them): the console marks a journalled decision
-- "applied" when it is here.
select
    decision_id,
    override_source,
    client_id_a,
    client_id_b,
    decision

from {{ ref('int_match_overrides_unioned') }}
