-- One name, organisation and country per AS number: CAIDA as2org first, then pyasn's asnames, then
-- iptoasn descriptions; within a source the latest snapshot.
-- grain: one row per asn

create or replace view stg_as_orgs as
with orgs as (
    select
        o.*,
        d.snapshot_date,
        case o.source when 'caida' then 3 when 'pyasn_asnames' then 2 else 1 end as source_rank
    from raw_as_orgs as o
    inner join datasets as d using (dataset_id)
    where d.status = 'loaded'
),

final as (
    select
        asn,
        arg_max(as_name, (source_rank, snapshot_date, dataset_id)) as as_handle,
        arg_max(org_id, (source_rank, snapshot_date, dataset_id)) as org_id,
        arg_max(org_name, (source_rank, snapshot_date, dataset_id)) as org_name,
        arg_max(country, (source_rank, snapshot_date, dataset_id)) as country,
        arg_max(dataset_id, (source_rank, snapshot_date, dataset_id)) as dataset_id
    from orgs
    group by asn
)

select * from final
