-- Read access to the lake bucket: the storage integration (ACCOUNTADMIN only).
-- After the first run, `describe integration` gives STORAGE_AWS_IAM_USER_ARN and
-- STORAGE_AWS_EXTERNAL_ID for the IAM role's trust policy (README: trust handshake).
use role accountadmin;

create storage integration if not exists &{storage_integration}
    type = external_stage
    storage_provider = 's3'
    enabled = true
    storage_aws_role_arn = '&{storage_aws_role_arn}'
    storage_allowed_locations = ('&{lake_url}');
alter storage integration &{storage_integration} set
    storage_aws_role_arn = '&{storage_aws_role_arn}'
    storage_allowed_locations = ('&{lake_url}');
grant usage on integration &{storage_integration} to role territory_admin;
