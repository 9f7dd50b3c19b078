-- Sales-ops whitelist entries standing on the run date (every entry, active or not: the
-- assignment models apply effective dates, so expired and future entries stay auditable).
select * from {{ ref('stg_crm__whitelist_versions') }}
where {{ standing_version('whitelist', 'rules_version_date') }}
