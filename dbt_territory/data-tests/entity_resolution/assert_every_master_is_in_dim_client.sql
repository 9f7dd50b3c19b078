-- Every master client of the crosswalk has its golden record in dim_client.
select distinct crosswalk.master_client_id

from {{ ref('client_crosswalk') }} as crosswalk
left join {{ ref('dim_client') }} as dim_client
    on crosswalk.master_client_id = dim_client.master_client_id
where dim_client.master_client_id is null
