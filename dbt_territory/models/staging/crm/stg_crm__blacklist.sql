-- Sales-ops blacklist entries standing on the run date (every entry, active or not: the
-- assignment models apply effective dates, so expired and future entries stay auditable).
select * from {{ ref('stg_crm__blacklist_versions') }}
where {{ standing_version('blacklist', 'rules_version_date') }}
