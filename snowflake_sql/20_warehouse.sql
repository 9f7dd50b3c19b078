-- Warehouse and resource monitor. The monitor is account-level (ACCOUNTADMIN only); the
-- ALTERs after each IF NOT EXISTS converge an existing object to the declared settings.
use role accountadmin;

create resource monitor if not exists territory_monitor with
    credit_quota = &{credit_quota}
    frequency = monthly
    start_timestamp = immediately
    triggers
        on 80 percent do notify
        on 100 percent do suspend
        on 110 percent do suspend_immediate;
alter resource monitor territory_monitor set credit_quota = &{credit_quota};

use role sysadmin;

create warehouse if not exists &{warehouse} with
    warehouse_size = xsmall
    auto_suspend = 60
    auto_resume = true
    initially_suspended = true
    comment = 'Territory: loaders, dbt and BI';
alter warehouse &{warehouse} set
    warehouse_size = xsmall
    auto_suspend = 60
    auto_resume = true;
grant ownership on warehouse &{warehouse} to role territory_admin copy current grants;

use role accountadmin;

alter warehouse &{warehouse} set resource_monitor = territory_monitor;
