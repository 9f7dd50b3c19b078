-- The advisor roster standing on the run date (the newest version delivered on or before it).
select * from {{ ref('stg_crm__advisor_versions') }}
where {{ standing_version('advisors', 'roster_version_date') }}
