-- The whitelist and blacklist entries standing on the run date that name a known client,
-- with its master client: what the hierarchy explorer shows beside each family member.
select
    rule_list,
    rule_id,
    client_id,
    master_client_id,
    territory_id,
    effective_from,
    effective_to

from {{ ref('int_rules_activated') }}
where master_client_id is not null
