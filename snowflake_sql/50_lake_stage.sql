-- The Parquet file format and the external stage over the lake root the loaders COPY from,
-- owned by TERRITORY_ADMIN; TERRITORY_ETL may only use them. The loaders' default stage name
-- is raw.territory_lake (TERRITORY_SNOWFLAKE_STAGE).
use role territory_admin;
use database &{database};

create file format if not exists raw.territory_parquet
    type = parquet
    use_logical_type = true
    comment = 'Landed lake files: Parquet with logical types';
create stage if not exists raw.territory_lake
    url = '&{lake_url}'
    storage_integration = &{storage_integration}
    file_format = raw.territory_parquet
    comment = 'The lake root: <table>/YYYY/MM/DD/data.parquet';

grant usage on stage raw.territory_lake to role territory_etl;
grant usage on file format raw.territory_parquet to role territory_etl;
