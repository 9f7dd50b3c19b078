-- Every delivered version of the sales-ops whitelist, cleaned (rules_version_date = the night it
-- landed): stg_crm__whitelist is the version standing on the run date, int_rules_by_night the one
-- standing on each built night (the change reasons compare a night with the one before).
{{ cleaned_rule_versions('whitelist') }}
