-- Table macro net_range_build(): the disjoint intervals of every range set of net_range_sets that
-- has none yet (analyzer/network/ranges.py inserts them at each ranges ingest). Identical prefixes
-- of a set are one node whose entries are ordered specific before superset (AWS lists a range
-- under AMAZON and under EC2), with a region before without, with a service before without, newer
-- file first, then by line. Each interval is owned by its most specific node; `covering` lists the
-- entries of that node and of every node around it, most specific first. The provider is the owner's
-- first entry's; service and region are the first such field among that provider's covering entries
-- (an Azure tag without a region, inside an AzureCloud.<region> range, keeps that region), the
-- service preferring a specific entry over a superset.
-- grain: one row per (set_id, family, lo, hi)

create or replace macro net_range_build() as table
with recursive pending as (
    select
        s.set_id,
        u.m.dataset_id,
        u.m.family
    from net_range_sets as s
    inner join stg_range_sets as w using (set_key)
    cross join unnest(w.members) as u(m)
    where s.set_id not in (select distinct set_id from net_range_intervals)
),

entries as (
    select
        p.set_id,
        r.*,
        d.snapshot_date
    from raw_ranges as r
    inner join pending as p using (dataset_id, family)
    inner join datasets as d using (dataset_id)
),

nodes as (
    select
        set_id as part,
        family,
        lo,
        hi,
        row_number() over () as ref,
        list(
            struct_pack(
                provider_id := provider_id, service := service, region := region, detail := detail,
                prefix := prefix, dataset_id := dataset_id, date := snapshot_date, generic := generic
            )
            order by generic, region is null, service is null, dataset_id desc, line
        ) as entries
    from entries
    group by set_id, family, lo, hi
),

parents as (
    select * from net_parents('nodes')
),

covers (ref, covering) as (
    select
        n.ref,
        n.entries
    from nodes as n
    inner join parents as p using (ref)
    where p.parent_ref is null
    union all
    select
        n.ref,
        list_concat(n.entries, c.covering)
    from covers as c
    inner join parents as p on p.parent_ref = c.ref
    inner join nodes as n on n.ref = p.ref
),

owned as (
    select
        s.part as set_id,
        s.family,
        s.lo,
        s.hi,
        c.covering,
        c.covering[1] as head
    from net_segments('nodes') as s
    inner join covers as c using (ref)
),

final as (
    select
        set_id,
        family,
        lo,
        hi,
        head.dataset_id as dataset_id,
        head.provider_id as provider_id,
        coalesce(
            list_filter(covering, lambda e: e.provider_id = head.provider_id and not e.generic
                and e.service is not null)[1].service,
            list_filter(covering, lambda e: e.provider_id = head.provider_id and e.service is not null)[1].service
        ) as service,
        list_filter(covering, lambda e: e.provider_id = head.provider_id and e.region is not null)[1].region
            as region,
        head.prefix as prefix,
        covering
    from owned
)

select * from final;
