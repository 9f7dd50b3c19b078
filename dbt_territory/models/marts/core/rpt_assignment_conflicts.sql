-- Everything on the run date that sales ops must look at, one row per finding, with severity:
-- ERROR = the rules contradict each other (fails the build when var fail_on_conflict_errors);
-- WARNING = resolved by precedence or capacity but worth a look; INFO = data quality.
-- `detail` says it in words, naming the territories, rules (their readable ids, with their
-- reason text) and clients involved; `involved_ids` lists the same ids.
{#- A rule in words, `@` standing for the relation: "WL-00002 (EMEA-FO from 2025-12-01:
    Cross-border mandate)". #}
{%- set described_rule = "@.rule_id || ' (' || @.territory_id || ' from ' || cast(@.effective_from as "
    ~ dbt.type_string() ~ ") || coalesce(': ' || @.reason, '') || ')'" %}
with

golden as (

    select * from {{ ref('int_clients_golden') }}

),

hierarchy as (

    select * from {{ ref('int_clients_hierarchy_walked') }}

),

rules as (

    select * from {{ ref('int_rules_activated') }}

),

territories as (

    select * from {{ ref('stg_crm__territories') }}

),

advisors as (

    select * from {{ ref('stg_crm__advisors') }}

),

resolved as (

    select * from {{ ref('int_assignments_resolved') }}

),

tiered as (

    select * from {{ ref('int_clients_tiered') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}
    where run_date = {{ run_date() }}

),

territory_overlaps as (

    -- Two territories defined for the same region, segment and tier (or default).
    select
        'territory_overlap' as conflict_type,
        'ERROR' as severity,
        cast(null as {{ dbt.type_string() }}) as master_client_id,
        min(territory_id) as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        {{ dbt.listagg('territory_id', "', '", 'order by territory_id') }} as involved_ids,
        'territories ' || {{ dbt.listagg('territory_id', "', '", 'order by territory_id') }}
        || ' all route region/segment/tier ' || region_key || '/' || segment_key || '/'
        || coalesce(tier_key, '(default)') || ': a client there matches more than one' as detail

    from territories
    group by region_key, segment_key, tier_key
    having count(*) > 1

),

whitelist_clashes as (

    select
        'whitelist_clash' as conflict_type,
        'ERROR' as severity,
        clashing.master_client_id,
        min(resolved.territory_id) as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        {{ dbt.listagg('clashing.rule_id', "', '", 'order by clashing.rule_id') }} as involved_ids,
        'active whitelist rules pin the client to '
        || cast(count(distinct clashing.territory_id) as {{ dbt.type_string() }})
        || ' territories: '
        {%- set newest_first = 'order by clashing.effective_from desc, clashing.rule_id' %}
        || {{ dbt.listagg(described_rule | replace('@', 'clashing'), "'; '", newest_first) }}
        || '; the latest effective_from wins: ' || min(resolved.territory_id)
        || ' by ' || min(resolved.rule_id) as detail

    from rules as clashing
    inner join resolved
        on clashing.master_client_id = resolved.master_client_id
    where clashing.rule_list = 'whitelist' and clashing.is_known_client and clashing.is_known_territory
    group by clashing.master_client_id
    having count(distinct clashing.territory_id) > 1

),

whitelist_blacklist_clashes as (

    select
        'whitelist_blacklist_clash' as conflict_type,
        'WARNING' as severity,
        whitelist.master_client_id,
        whitelist.territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        whitelist.rule_id || ', ' || blacklist.rule_id as involved_ids,
        'whitelist ' || {{ described_rule | replace('@', 'whitelist') }} || ' and blacklist '
        || {{ described_rule | replace('@', 'blacklist') }}
        || ' both name the territory for this client; the whitelist wins' as detail

    from rules as whitelist
    inner join rules as blacklist
        on
            whitelist.master_client_id = blacklist.master_client_id
            and whitelist.territory_id = blacklist.territory_id
    where whitelist.rule_list = 'whitelist' and blacklist.rule_list = 'blacklist'

),

hierarchy_splits as (

    -- A whitelist keeps a subsidiary away from its ultimate parent's territory.
    select
        'hierarchy_split' as conflict_type,
        'WARNING' as severity,
        subsidiary.master_client_id,
        subsidiary.territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        hierarchy.ultimate_parent_id || ', ' || subsidiary.rule_id as involved_ids,
        'subsidiary in ' || subsidiary.territory_id || ' by ' || subsidiary.rule_type || ' '
        || subsidiary.rule_id || ', its ultimate parent ' || hierarchy.ultimate_parent_id
        || ' in ' || parent.territory_id || ' by ' || parent.rule_type || ' '
        || parent.rule_id as detail

    from resolved as subsidiary
    inner join hierarchy
        on subsidiary.master_client_id = hierarchy.master_client_id
    inner join resolved as parent
        on hierarchy.ultimate_parent_id = parent.master_client_id
    where
        hierarchy.hierarchy_depth > 0
        and (subsidiary.rule_type = 'whitelist' or parent.rule_type = 'whitelist')
        and subsidiary.territory_id != parent.territory_id

),

orphan_rules as (

    select
        'orphan_reference' as conflict_type,
        'WARNING' as severity,
        master_client_id,
        territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        rule_id as involved_ids,
        'active ' || rule_list || ' rule ' || {{ described_rule | replace('@.', '') }}
        || ' names an unknown '
        || case
            when not is_known_client then 'client ' || client_id
            else 'territory ' || territory_id
        end || '; it applies to nobody' as detail

    from rules
    where not is_known_client or not is_known_territory

),

orphan_advisors as (

    select
        'orphan_reference' as conflict_type,
        'WARNING' as severity,
        cast(null as {{ dbt.type_string() }}) as master_client_id,
        advisors.territory_id,
        advisors.advisor_email,
        advisors.advisor_email as involved_ids,
        'the advisor roster puts ' || advisors.advisor_email || ' in territory '
        || advisors.territory_id || ', which the territory file does not define' as detail

    from advisors
    left join territories
        on advisors.territory_id = territories.territory_id
    where territories.territory_id is null

),

orphan_parents as (

    select
        'orphan_reference' as conflict_type,
        'WARNING' as severity,
        master_client_id,
        cast(null as {{ dbt.type_string() }}) as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        parent_record_id as involved_ids,
        'parent record ' || parent_record_id || ' is not a known client' as detail

    from golden
    where parent_record_id is not null and parent_master_client_id is null

),

hierarchy_cycles as (

    select
        'hierarchy_cycle' as conflict_type,
        'WARNING' as severity,
        master_client_id,
        cast(null as {{ dbt.type_string() }}) as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        hierarchy_path as involved_ids,
        'parent chain loops (' || hierarchy_path || '); the hierarchy rule is skipped and the'
        || ' client routed on its own' as detail

    from hierarchy
    where has_hierarchy_cycle

),

advisors_in_several_territories as (

    select
        'advisor_multiple_territories' as conflict_type,
        'WARNING' as severity,
        cast(null as {{ dbt.type_string() }}) as master_client_id,
        min(territory_id) as territory_id,
        advisor_email,
        {{ dbt.listagg('territory_id', "', '", 'order by territory_id') }} as involved_ids,
        advisor_email || ' is on the roster of ' || cast(count(*) as {{ dbt.type_string() }})
        || ' territories (' || {{ dbt.listagg('territory_id', "', '", 'order by territory_id') }}
        || '); capacity is counted in each' as detail

    from advisors
    group by advisor_email
    having count(*) > 1

),

blacklisted as (

    -- Active blacklist entries per (client, territory) the assignment applies.
    select
        master_client_id,
        territory_id,
        {{ dbt.listagg('rule_id', "', '", 'order by rule_id') }} as rule_ids

    from rules
    where rule_list = 'blacklist' and is_known_client
    group by master_client_id, territory_id

),

candidate_routes as (

    -- Every territory that would route the client (its region and segment, with its tier or
    -- the default), with the blacklist entries that remove it, if any.
    select
        tiered.master_client_id,
        territories.territory_id,
        blacklisted.rule_ids as blacklist_rule_ids

    from tiered
    inner join territories
        on
            tiered.region_key = territories.region_key
            and tiered.segment_key = territories.segment_key
            and (territories.tier_key is null or tiered.tier_key = territories.tier_key)
    left join blacklisted
        on
            tiered.master_client_id = blacklisted.master_client_id
            and territories.territory_id = blacklisted.territory_id

),

blacklist_blocks_all as (

    -- The blacklist removed every territory that routes the client, which ends UNASSIGNED.
    select
        'blacklist_blocks_all' as conflict_type,
        'WARNING' as severity,
        candidate_routes.master_client_id,
        'UNASSIGNED' as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        {%- set by_territory = 'order by candidate_routes.territory_id' %}
        {{ dbt.listagg('candidate_routes.blacklist_rule_ids', "', '", by_territory) }} as involved_ids,
        'blacklist rules '
        || {{ dbt.listagg('candidate_routes.blacklist_rule_ids', "', '", by_territory) }}
        || ' block every territory that routes the client ('
        || {{ dbt.listagg('candidate_routes.territory_id', "', '", by_territory) }}
        || '); the client is left UNASSIGNED' as detail

    from candidate_routes
    inner join resolved
        on candidate_routes.master_client_id = resolved.master_client_id
    where resolved.rule_type = 'unassigned'
    group by candidate_routes.master_client_id
    having count(candidate_routes.blacklist_rule_ids) = count(*)

),

over_capacity as (

    select
        'over_capacity' as conflict_type,
        'WARNING' as severity,
        cast(null as {{ dbt.type_string() }}) as master_client_id,
        territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        territory_id as involved_ids,
        cast(count(*) as {{ dbt.type_string() }}) || ' clients of ' || territory_id
        || ' have no advisor: every active advisor of the territory is at capacity' as detail

    from assignments
    where advisor_assignment = 'over_capacity'
    group by territory_id

),

known_regions as (

    select distinct region_key from territories

),

known_segments as (

    select distinct segment_key from territories

),

unknown_labels as (

    select
        'unknown_region_segment' as conflict_type,
        'INFO' as severity,
        golden.master_client_id,
        'UNASSIGNED' as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        -- The label(s) no territory routes.
        case
            when known_regions.region_key is null and known_segments.segment_key is null
                then
                    coalesce(golden.region_raw, '(empty)') || ', '
                    || coalesce(golden.segment_raw, '(empty)')
            when known_regions.region_key is null then coalesce(golden.region_raw, '(empty)')
            else coalesce(golden.segment_raw, '(empty)')
        end as involved_ids,
        case
            when known_regions.region_key is null and known_segments.segment_key is null
                then
                    'neither region ' || coalesce('''' || golden.region_raw || '''', '(empty)')
                    || ' nor segment ' || coalesce('''' || golden.segment_raw || '''', '(empty)')
            when known_regions.region_key is null
                then 'region ' || coalesce('''' || golden.region_raw || '''', '(empty)')
            else 'segment ' || coalesce('''' || golden.segment_raw || '''', '(empty)')
        end || ' is routed by no territory; the client is left UNASSIGNED' as detail

    from golden
    inner join resolved
        on golden.master_client_id = resolved.master_client_id
    left join known_regions
        on golden.region_key = known_regions.region_key
    left join known_segments
        on golden.segment_key = known_segments.segment_key
    where
        resolved.rule_type = 'unassigned'
        and (known_regions.region_key is null or known_segments.segment_key is null)

),

findings as (

    select * from territory_overlaps
    union all
    select * from whitelist_clashes
    union all
    select * from whitelist_blacklist_clashes
    union all
    select * from hierarchy_splits
    union all
    select * from orphan_rules
    union all
    select * from orphan_advisors
    union all
    select * from orphan_parents
    union all
    select * from hierarchy_cycles
    union all
    select * from advisors_in_several_territories
    union all
    select * from blacklist_blocks_all
    union all
    select * from over_capacity
    union all
    select * from unknown_labels

),

final as (

    select
        {%- set key_columns = ['conflict_type', 'master_client_id', 'territory_id', 'advisor_email', 'involved_ids'] %}
        {{ surrogate_key(key_columns) }} as conflict_key,
        {{ run_date() }} as run_date,
        conflict_type,
        severity,
        master_client_id,
        territory_id,
        advisor_email,
        involved_ids,
        detail

    from findings

)

select * from final
