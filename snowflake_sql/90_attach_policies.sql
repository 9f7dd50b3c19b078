-- Attach the row access policy to every leadership secure view in analytics and the
-- masking policy to every PII column there, then grant the views to SALES_LEADERSHIP.
-- Re-runnable; run it after every `dbt build` (dbt replaces views, which drops policies):
--     territory snowflake-setup --only 90_attach_policies.sql
-- or as the dbt post-hook `call governance.apply_policies()` on the leadership models.
use role territory_admin;
use database &{database};

call governance.apply_policies();
