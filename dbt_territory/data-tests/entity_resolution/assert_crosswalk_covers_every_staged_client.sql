-- Every staged client appears in the crosswalk (uniqueness is a schema test) and nothing else.
select
    coalesce(clients.client_id, crosswalk.client_id) as client_id,
    case when crosswalk.client_id is null then 'missing' else 'unknown' end as problem

from {{ ref('stg_crm__clients') }} as clients
full outer join {{ ref('client_crosswalk') }} as crosswalk
    on clients.client_id = crosswalk.client_id
where clients.client_id is null or crosswalk.client_id is null
