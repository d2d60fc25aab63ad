-- The routing table in use for each address family: the latest loaded pfx2as / pyasn / ip2asn file
-- that covers the family (by snapshot date, then load order).
-- grain: one row per family

create or replace view stg_route_current as
with files as (
    select
        f.dataset_id,
        f.family,
        d.kind,
        d.format,
        d.snapshot_date,
        f.rows
    from net_dataset_families as f
    inner join datasets as d using (dataset_id)
    where d.kind in ('pfx2as', 'ip2asn')
        and d.status = 'loaded'
),

final as (
    select
        family,
        arg_max(dataset_id, (snapshot_date, dataset_id)) as dataset_id,
        max(snapshot_date) as snapshot_date
    from files
    group by family
)

select * from final
