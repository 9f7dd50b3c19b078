-- The register of static versions landed (empty deliveries included): which version of each
-- static reference stands on a night is the newest landed on or before it.
select
    source_name,
    _run_date as version_date,
    rows_landed

from {{ source('crm', 'static_versions') }}
