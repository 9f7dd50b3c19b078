-- Everything on the run date that sales ops must look at, one row per finding, with severity:
-- ERROR = the rules contradict each other (fails the build when var fail_on_conflict_errors);
-- WARNING = resolved by precedence or capacity but worth a look; INFO = data quality.
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
        'territories share region/segment/tier ' || region_key || '/' || segment_key || '/'
        || coalesce(tier_key, '(default)') as detail

    from territories
    group by region_key, segment_key, tier_key
    having count(*) > 1

),

whitelist_clashes as (

    select
        'whitelist_clash' as conflict_type,
        'ERROR' as severity,
        master_client_id,
        min(territory_id) as territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        {{ dbt.listagg('rule_id', "', '", 'order by rule_id') }} as involved_ids,
        'active whitelist entries name ' || cast(count(distinct territory_id) as {{ dbt.type_string() }})
        || ' territories; latest effective_from wins' as detail

    from rules
    where rule_list = 'whitelist' and is_known_client and is_known_territory
    group by master_client_id
    having count(distinct territory_id) > 1

),

whitelist_blacklist_clashes as (

    select
        'whitelist_blacklist_clash' as conflict_type,
        'WARNING' as severity,
        whitelist.master_client_id,
        whitelist.territory_id,
        cast(null as {{ dbt.type_string() }}) as advisor_email,
        whitelist.rule_id || ', ' || blacklist.rule_id as involved_ids,
        'client both whitelisted and blacklisted for the territory; whitelist wins' as detail

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
        'subsidiary in ' || subsidiary.territory_id || ' via whitelist, ultimate parent in '
        || parent.territory_id as detail

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
        'active ' || rule_list || ' entry names an unknown '
        || case when not is_known_client then 'client ' || client_id else 'territory' end as detail

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
        'advisor roster names an unknown territory' as detail

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
        'parent chain loops; hierarchy rule skipped' as detail

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
        'advisor serves several territories (capacity counted per territory)' as detail

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
        'blacklist blocks every candidate territory ('
        || {{ dbt.listagg('candidate_routes.territory_id', "', '", by_territory) }}
        || '); client left UNASSIGNED' as detail

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
        cast(count(*) as {{ dbt.type_string() }}) || ' clients left without an advisor' as detail

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
        coalesce(golden.region_raw, '(null)') || ' / '
        || coalesce(golden.segment_raw, '(null)') as involved_ids,
        'region/segment matches no territory; routed to UNASSIGNED' as detail

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
