-- Why each change of the audit trail (fct_assignment_change) happened, in words and as a
-- cause code, one row per change. Compares the client's assignment on the change's night with
-- the night before (fct_client_assignment keeps region, segment, tier, rule and advisor per
-- night), the rules and roster standing on each of the two nights (int_rules_by_night,
-- int_advisors_by_night) and the manual match decisions: a data steward's decision first in
-- force that night (the console's review queue), or a `match_overrides` seed merge (the seed
-- has no date), matched to the masters of their two records on the change's own night
-- (client_identity_history). Every input is kept per night, so a backfill or re-run explains
-- every night as an in-order run would.
with

changes as (

    select * from {{ ref('fct_assignment_change') }}

),

steward_decisions as (

    select * from {{ ref('stg_crm__match_decisions') }}

),

seed_decisions as (

    select * from {{ ref('int_match_overrides_unioned') }}
    where override_source = 'seed'

),

identities as (

    select * from {{ ref('client_identity_history') }}

),

run_dates as (

    select * from {{ ref('int_run_dates') }}

),

assignments as (

    select * from {{ ref('fct_client_assignment') }}

),

rules as (

    select * from {{ ref('int_rules_by_night') }}

),

advisors as (

    select * from {{ ref('int_advisors_by_night') }}

),

identity_events as (

    select * from {{ ref('int_client_identity_events') }}

),

decisions_by_night as (

    -- A steward decision belongs to the first night it applies to; the seed to every night.
    select
        run_dates.run_date,
        steward_decisions.decision_id,
        steward_decisions.client_id_a,
        steward_decisions.client_id_b,
        steward_decisions.decision,
        'steward' as override_source,
        steward_decisions.decided_by,
        steward_decisions.decided_at,
        steward_decisions.note

    from steward_decisions
    inner join run_dates
        on
            steward_decisions.effective_from <= run_dates.run_date
            and (
                run_dates.previous_run_date is null
                or steward_decisions.effective_from > run_dates.previous_run_date
            )

    union all

    select
        run_dates.run_date,
        seed_decisions.decision_id,
        seed_decisions.client_id_a,
        seed_decisions.client_id_b,
        seed_decisions.decision,
        seed_decisions.override_source,
        seed_decisions.decided_by,
        seed_decisions.decided_at,
        seed_decisions.note

    from seed_decisions
    cross join run_dates

),

decided_masters as (

    -- Each decision with the masters its two records had that night.
    select
        decisions_by_night.*,
        identities_a.master_client_id as master_a,
        identities_b.master_client_id as master_b

    from decisions_by_night
    inner join identities as identities_a
        on
            decisions_by_night.client_id_a = identities_a.client_id
            and decisions_by_night.run_date = identities_a.run_date
    inner join identities as identities_b
        on
            decisions_by_night.client_id_b = identities_b.client_id
            and decisions_by_night.run_date = identities_b.run_date

),

candidates as (

    select
        changes.change_key,
        changes.run_date,
        changes.master_client_id,
        changes.change_type,
        decided_masters.override_source || '_' || decided_masters.decision as change_reason,
        decided_masters.decision_id as match_decision_id,
        decided_masters.decision,
        decided_masters.override_source,
        decided_masters.decided_by,
        decided_masters.decided_at,
        decided_masters.note,
        decided_masters.client_id_a,
        decided_masters.client_id_b,
        case
            when changes.related_master_client_id is not null then changes.related_master_client_id
            when changes.master_client_id = decided_masters.master_a then decided_masters.master_b
            else decided_masters.master_a
        end as related_master_client_id,
        row_number() over (
            partition by changes.change_key
            order by
                case when decided_masters.override_source = 'steward' then 0 else 1 end asc,
                decided_masters.decided_at desc,
                decided_masters.decision_id asc
        ) as reason_rank

    from changes
    inner join decided_masters
        on
            changes.run_date = decided_masters.run_date
            and (
                -- merged into the survivor: the decision's records now share that master
                (
                    changes.change_type = 'MERGED'
                    and decided_masters.decision = 'merge'
                    and changes.related_master_client_id = decided_masters.master_a
                    and changes.related_master_client_id = decided_masters.master_b
                )
                -- split off its origin: the decision keeps the two masters apart
                or (
                    changes.change_type = 'SPLIT'
                    and decided_masters.decision = 'never_merge'
                    and (
                        (
                            changes.master_client_id = decided_masters.master_a
                            and changes.related_master_client_id = decided_masters.master_b
                        )
                        or (
                            changes.master_client_id = decided_masters.master_b
                            and changes.related_master_client_id = decided_masters.master_a
                        )
                    )
                )
                -- the client's own records changed by a new steward decision
                or (
                    changes.change_type = 'CHANGED'
                    and decided_masters.override_source = 'steward'
                    and (
                        (
                            decided_masters.decision = 'merge'
                            and changes.master_client_id = decided_masters.master_a
                            and changes.master_client_id = decided_masters.master_b
                        )
                        or (
                            decided_masters.decision = 'never_merge'
                            and decided_masters.master_a <> decided_masters.master_b
                            and changes.master_client_id in (decided_masters.master_a, decided_masters.master_b)
                        )
                    )
                )
            )

),

decisions as (

    select * from candidates
    where reason_rank = 1

),

absorbed as (

    -- The masters whose records merged into a surviving master that night.
    select
        run_date,
        related_master_client_id as master_client_id,
        {{ dbt.listagg('master_client_id', "', '", 'order by master_client_id') }} as absorbed_ids

    from identity_events
    where identity_event = 'MERGED'
    group by run_date, related_master_client_id

),

barred as (

    -- One blacklist entry per night, master and territory (several records of one master may
    -- each be barred: the lowest rule id speaks for them).
    select
        run_date,
        master_client_id,
        territory_id,
        rule_id,
        reason

    from rules
    where rule_list = 'blacklist' and is_active and master_client_id is not null
    qualify row_number() over (
        partition by run_date, master_client_id, territory_id order by rule_id
    ) = 1

),

territory_places as (

    select
        run_date,
        territory_id,
        sum(capacity) as places

    from advisors
    where is_active
    group by run_date, territory_id

),

compared as (

    select
        changes.change_key,
        changes.run_date,
        changes.master_client_id,
        changes.change_type,
        changes.related_master_client_id,
        changes.old_territory_id,
        changes.new_territory_id,
        changes.old_advisor_email,
        changes.new_advisor_email,
        changes.old_rule_type,
        now_assigned.rule_type as new_rule_type,
        previously_assigned.rule_id as old_rule_id,
        now_assigned.rule_id as new_rule_id,
        previously_assigned.region as old_region,
        now_assigned.region as new_region,
        previously_assigned.segment as old_segment,
        now_assigned.segment as new_segment,
        previously_assigned.tier as old_tier,
        now_assigned.tier as new_tier,
        now_assigned.advisor_assignment as new_advisor_assignment,
        changes.is_territory_changed,
        coalesce(changes.old_advisor_email, '') <> coalesce(changes.new_advisor_email, '')
            as is_advisor_changed,
        decisions.change_reason as decision_cause,
        decisions.match_decision_id,
        decisions.decision,
        decisions.override_source,
        decisions.decided_by,
        decisions.decided_at,
        decisions.note,
        decisions.client_id_a,
        decisions.client_id_b,
        coalesce(decisions.related_master_client_id, changes.related_master_client_id)
            as decided_related_master_client_id,
        absorbed.absorbed_ids,
        new_whitelist.reason as new_whitelist_reason,
        old_whitelist.reason as old_whitelist_reason,
        old_whitelist_tonight.rule_id is not null as is_old_whitelist_standing,
        old_whitelist_tonight.effective_to as old_whitelist_effective_to,
        case when bar_before.rule_id is null then bar_tonight.rule_id end as bar_rule_id,
        bar_tonight.reason as bar_reason,
        case when bar_still.rule_id is null then lifted_bar.rule_id end as lifted_bar_rule_id,
        lifted_bar.reason as lifted_bar_reason,
        old_advisor_tonight.territory_id as old_advisor_territory_id,
        old_advisor_tonight.is_active as is_old_advisor_active,
        territory_places.places

    from changes
    inner join run_dates
        on changes.run_date = run_dates.run_date
    left join assignments as now_assigned
        on
            changes.run_date = now_assigned.run_date
            and changes.master_client_id = now_assigned.master_client_id
    left join assignments as previously_assigned
        on
            run_dates.previous_run_date = previously_assigned.run_date
            and changes.master_client_id = previously_assigned.master_client_id
    left join decisions
        on changes.change_key = decisions.change_key
    left join absorbed
        on
            changes.run_date = absorbed.run_date
            and changes.master_client_id = absorbed.master_client_id
    left join rules as new_whitelist
        on
            changes.run_date = new_whitelist.run_date
            and new_whitelist.rule_list = 'whitelist'
            and now_assigned.rule_type = 'whitelist'
            and now_assigned.rule_id = new_whitelist.rule_id
    left join rules as old_whitelist
        on
            run_dates.previous_run_date = old_whitelist.run_date
            and old_whitelist.rule_list = 'whitelist'
            and previously_assigned.rule_type = 'whitelist'
            and previously_assigned.rule_id = old_whitelist.rule_id
    left join rules as old_whitelist_tonight
        on
            changes.run_date = old_whitelist_tonight.run_date
            and old_whitelist_tonight.rule_list = 'whitelist'
            and previously_assigned.rule_type = 'whitelist'
            and previously_assigned.rule_id = old_whitelist_tonight.rule_id
    -- a blacklist entry in force tonight on the territory the client left, not the night before
    left join barred as bar_tonight
        on
            changes.run_date = bar_tonight.run_date
            and changes.master_client_id = bar_tonight.master_client_id
            and changes.old_territory_id = bar_tonight.territory_id
    left join barred as bar_before
        on
            run_dates.previous_run_date = bar_before.run_date
            and changes.master_client_id = bar_before.master_client_id
            and changes.old_territory_id = bar_before.territory_id
    -- a blacklist entry that kept the client out of its new territory the night before, and
    -- no longer does
    left join barred as lifted_bar
        on
            run_dates.previous_run_date = lifted_bar.run_date
            and changes.master_client_id = lifted_bar.master_client_id
            and changes.new_territory_id = lifted_bar.territory_id
    left join barred as bar_still
        on
            changes.run_date = bar_still.run_date
            and changes.master_client_id = bar_still.master_client_id
            and changes.new_territory_id = bar_still.territory_id
    left join advisors as old_advisor_tonight
        on
            changes.run_date = old_advisor_tonight.run_date
            and changes.old_advisor_email = old_advisor_tonight.advisor_email
            and changes.old_territory_id = old_advisor_tonight.territory_id
    left join territory_places
        on
            changes.run_date = territory_places.run_date
            and changes.new_territory_id = territory_places.territory_id

),

{%- set with_reason = "coalesce(' (' || nullif(trim(@), '') || ')', '')" %}
{%- set no_label = "'(none)'" %}

worded as (

    select
        compared.*,
        case
            when compared.override_source = 'seed'
                then 'the match_overrides seed merges ' || compared.client_id_a || ' and ' || compared.client_id_b
            when compared.decision = 'merge'
                then
                    'steward '
                    || compared.decided_by
                    || ' merged '
                    || compared.client_id_a
                    || ' and '
                    || compared.client_id_b
            when compared.decision = 'never_merge'
                then
                    'steward '
                    || compared.decided_by
                    || ' kept '
                    || compared.client_id_a
                    || ' and '
                    || compared.client_id_b
                    || ' apart'
        end
        || coalesce(' (“' || nullif(trim(compared.note), '') || '”)', '')
        || coalesce(', decision ' || compared.match_decision_id, '') as decision_words,
        'records of ' || compared.absorbed_ids || ' merged into it' as absorbed_words,
        case
            when
                compared.old_rule_type = 'whitelist'
                and (
                    compared.new_rule_type is distinct from 'whitelist' or compared.new_rule_id <> compared.old_rule_id
                )
                then
                    'whitelist ' || compared.old_rule_id || {{ with_reason | replace('@', 'old_whitelist_reason') }}
                    || case
                        when not compared.is_old_whitelist_standing then ' was removed from the whitelist'
                        when compared.old_whitelist_effective_to <= compared.run_date
                            then ' expired on ' || cast(compared.old_whitelist_effective_to as {{ dbt.type_string() }})
                        else ' no longer decides'
                    end
            when
                compared.old_rule_type = 'hierarchy'
                and (
                    compared.new_rule_type is distinct from 'hierarchy' or compared.new_rule_id <> compared.old_rule_id
                )
                then 'it no longer follows its ultimate parent ' || compared.old_rule_id
            when
                compared.old_rule_type = 'hierarchy'
                and compared.new_rule_type = 'hierarchy'
                and compared.is_territory_changed
                then
                    'its ultimate parent ' || compared.new_rule_id || ' moved ' || compared.old_territory_id || ' → '
                    || compared.new_territory_id
        end as ended_rule_words,
        case
            when compared.bar_rule_id is not null and compared.is_territory_changed
                then
                    'blacklist ' || compared.bar_rule_id || {{ with_reason | replace('@', 'bar_reason') }}
                    || ' bars ' || compared.old_territory_id
        end as barred_words,
        case
            when compared.lifted_bar_rule_id is not null and compared.is_territory_changed
                then
                    'blacklist ' || compared.lifted_bar_rule_id || {{ with_reason | replace('@', 'lifted_bar_reason') }}
                    || ' no longer bars ' || compared.new_territory_id
        end as lifted_words,
        case
            when compared.change_type = 'CHANGED' then {{ join_words([
                "case when " ~ normalize_label('old_region') ~ " is distinct from " ~ normalize_label('new_region')
                    ~ " then 'region ' || coalesce(old_region, " ~ no_label ~ ") || ' → ' || coalesce(new_region, " ~ no_label ~ ") end",
                "case when " ~ normalize_label('old_segment') ~ " is distinct from " ~ normalize_label('new_segment')
                    ~ " then 'segment ' || coalesce(old_segment, " ~ no_label ~ ") || ' → ' || coalesce(new_segment, " ~ no_label ~ ") end",
                "case when old_tier is distinct from new_tier"
                    ~ " then 'tier ' || coalesce(old_tier, " ~ no_label ~ ") || ' → ' || coalesce(new_tier, " ~ no_label ~ ") end",
            ], ', ') }}
        end as attribute_words,
        case compared.new_rule_type
            when 'whitelist'
                then
                    'whitelist ' || compared.new_rule_id || {{ with_reason | replace('@', 'new_whitelist_reason') }}
                    || ' pins it to ' || compared.new_territory_id
            when 'hierarchy'
                then 'it follows its ultimate parent ' || compared.new_rule_id || ' to ' || compared.new_territory_id
            when 'tier_routing'
                then
                    coalesce(compared.new_region, {{ no_label }})
                    || ' / '
                    || coalesce(compared.new_segment, {{ no_label }})
                    || ' / tier '
                    || coalesce(compared.new_tier, {{ no_label }})
                    || ' routes to '
                    || compared.new_territory_id
            when 'region_segment_default'
                then
                    coalesce(compared.new_region, {{ no_label }})
                    || ' / '
                    || coalesce(compared.new_segment, {{ no_label }})
                    || ' routes to ' || compared.new_territory_id
            when 'unassigned'
                then
                    'no territory routes ' || coalesce(compared.new_region, {{ no_label }}) || ' / '
                    || coalesce(compared.new_segment, {{ no_label }})
                    || ' / tier '
                    || coalesce(compared.new_tier, {{ no_label }})
                    || ': UNASSIGNED'
        end as rule_words,
        case
            when not compared.is_advisor_changed or compared.change_type not in ('CHANGED', 'NEW', 'SPLIT') then null
            when compared.new_advisor_assignment = 'not_staffed' then 'no advisor: UNASSIGNED is not staffed'
            when compared.new_advisor_assignment = 'over_capacity' and coalesce(compared.places, 0) = 0
                then 'no advisor: ' || compared.new_territory_id || ' has no active advisor'
            when compared.new_advisor_assignment = 'over_capacity'
                then
                    'no advisor: ' || compared.new_territory_id || ' is full (its '
                    || cast(compared.places as {{ dbt.type_string() }})
                    || case when compared.places = 1 then ' place is' else ' places are' end
                    || ' taken by clients with more AUM)'
            when
                compared.is_territory_changed
                or compared.old_advisor_email is null and compared.change_type <> 'CHANGED'
                then 'advisor ' || compared.new_advisor_email
            when compared.old_advisor_email is null
                then 'a place freed in ' || compared.new_territory_id || ': advisor ' || compared.new_advisor_email
            when compared.old_advisor_territory_id is null
                then
                    compared.old_advisor_email || ' left the roster of ' || compared.old_territory_id || ': advisor '
                    || compared.new_advisor_email
            when not compared.is_old_advisor_active
                then compared.old_advisor_email || ' is inactive: advisor ' || compared.new_advisor_email
            else
                compared.old_advisor_email
                || ' is full (clients with more AUM kept): advisor '
                || compared.new_advisor_email
        end as advisor_words

    from compared

),

explained as (

    select
        worded.*,
        case
            when worded.decision_words is not null then worded.decision_cause
            when worded.change_type = 'NEW' then 'new_client'
            when worded.change_type = 'REMOVED' then 'records_gone'
            when worded.change_type = 'MERGED' then 'matched_merge'
            when worded.change_type = 'SPLIT' then 'matched_split'
            when
                worded.new_rule_type = 'whitelist'
                and (worded.old_rule_type is distinct from 'whitelist' or worded.new_rule_id <> worded.old_rule_id)
                then 'whitelist_started'
            when worded.ended_rule_words is not null and worded.old_rule_type = 'whitelist' then 'whitelist_ended'
            when worded.barred_words is not null then 'blacklist_started'
            when worded.lifted_words is not null then 'blacklist_ended'
            when
                worded.new_rule_type = 'hierarchy'
                and (worded.old_rule_type is distinct from 'hierarchy' or worded.new_rule_id <> worded.old_rule_id)
                then 'hierarchy_started'
            when worded.ended_rule_words is not null and worded.new_rule_type <> 'hierarchy' then 'hierarchy_ended'
            when worded.ended_rule_words is not null then 'parent_moved'
            when worded.absorbed_words is not null then 'records_merged'
            when worded.attribute_words is not null then 'attributes_changed'
            when worded.is_territory_changed then 'routing_changed'
            when worded.new_advisor_assignment = 'over_capacity' then 'capacity_reached'
            when worded.old_advisor_email is null then 'capacity_freed'
            when worded.old_advisor_territory_id is null or not worded.is_old_advisor_active then 'advisor_left'
            else 'advisor_full'
        end as change_reason

    from worded

),

final as (

    select
        change_key,
        run_date,
        master_client_id,
        change_type,
        change_reason,
        case change_type
            when 'REMOVED'
                then
                    'none of its CRM records is in the clean export of '
                    || cast(run_date as {{ dbt.type_string() }})
            when 'MERGED'
                then coalesce(
                    decision_words, 'entity resolution matched its records with those of '
                    || related_master_client_id
                ) || '; merged into ' || related_master_client_id
            when 'SPLIT'
                then {{ join_words([
                    "coalesce(decision_words, 'entity resolution no longer matches its records with those of '"
                        ~ " || related_master_client_id) || '; split off ' || related_master_client_id",
                    'rule_words', 'advisor_words']) }}
            when 'NEW'
                then {{ join_words(["'new in the CRM export'", 'rule_words', 'advisor_words']) }}
            else {{ join_words([
                'decision_words', 'absorbed_words', 'ended_rule_words', 'barred_words', 'lifted_words',
                'attribute_words',
                "case when (is_territory_changed or new_rule_type is distinct from old_rule_type"
                    ~ " or new_rule_id != old_rule_id)"
                    ~ " and not (old_rule_type = 'hierarchy' and new_rule_type = 'hierarchy'"
                    ~ " and new_rule_id = old_rule_id) then"
                    ~ " case when decision_words is null and absorbed_words is null and ended_rule_words is null"
                    ~ " and barred_words is null and lifted_words is null and attribute_words is null"
                    ~ " and new_rule_type in ('tier_routing', 'region_segment_default', 'unassigned')"
                    ~ " then 'territory definitions changed: ' else '' end || rule_words end",
                'advisor_words']) }}
        end as reason,
        match_decision_id,
        decision,
        override_source,
        decided_by,
        decided_at,
        note,
        client_id_a,
        client_id_b,
        decided_related_master_client_id as related_master_client_id

    from explained

)

select * from final
