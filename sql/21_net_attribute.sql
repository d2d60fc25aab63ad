-- Table macro net_attribute('table'): attribution of every address of a table or view with columns
-- (seq, address). One SQL for the int_ip_attribution view, `analyzer lookup` and bulk Arrow/polars
-- lookups. Addresses become integers; the most specific current published range and the longest
-- routed prefix of the current routing table are found with ASOF joins over disjoint intervals.
-- Published ranges beat ASNs: provider_id is the range's provider, else the catalog provider of an
-- origin AS (confidence 'asn'). A multi-origin prefix keeps all origins in origin_asns.
-- grain: one row per input row (seq)

create or replace macro net_attribute(input_table) as table
with input as (
    select
        seq,
        trim(address) as address
    from query_table(input_table)
),

-- split by syntax first: each parser then runs only on its own rows
v4 as (
    select
        seq,
        address,
        net_ip4_int(address)::uhugeint as ip,
        4::tinyint as family
    from input
    where not contains(address, ':')
),

v6_text as (
    select
        seq,
        address,
        net_ip6_int(address) as ip6
    from input
    where contains(address, ':')
),

v6 as (
    select
        seq,
        address,
        -- an IPv4-mapped IPv6 address is its IPv4 address
        case when (ip6 >> 32) = 65535 then ip6 & 4294967295 else ip6 end as ip,
        case when (ip6 >> 32) = 65535 then 4 else 6 end::tinyint as family
    from v6_text
),

addresses as (
    select * from v4
    union all
    select * from v6
),

routes as (
    select
        r.family,
        r.lo,
        r.hi,
        r.prefix,
        r.origin_asns,
        r.dataset_id
    from net_route_intervals as r
    inner join stg_route_current as c using (family, dataset_id)
),

routed as (
    select
        a.*,
        r.hi as route_hi,
        r.prefix as route_prefix,
        r.origin_asns,
        r.dataset_id as route_dataset_id
    from addresses as a
    asof left join routes as r
        on a.family = r.family
        and a.ip >= r.lo
),

ranged as (
    select
        a.*,
        g.hi as range_hi,
        g.provider_id as range_provider_id,
        g.service as range_service,
        g.region as range_region,
        g.prefix as range_prefix,
        g.dataset_id as range_dataset_id
    from routed as a
    asof left join net_range_intervals as g
        on a.family = g.family
        and a.ip >= g.lo
),

-- an ASOF match is the interval starting at or before the address: it must also reach it
matched as (
    select
        seq,
        address,
        family,
        ip,
        ip <= range_hi as in_range,
        ip <= route_hi as in_route,
        range_provider_id,
        range_service,
        range_region,
        range_prefix,
        range_dataset_id,
        route_prefix,
        origin_asns,
        route_dataset_id
    from ranged
),

asn_providers as (
    select
        asn,
        min(provider_id) as provider_id
    from catalog_asns
    group by asn
),

final as (
    select
        m.seq,
        m.address,
        case when m.ip is not null then m.family end as family,
        if(m.in_range, m.range_provider_id, null) as range_provider_id,
        if(m.in_range, m.range_service, null) as range_service,
        if(m.in_range, m.range_region, null) as range_region,
        if(m.in_range, m.range_prefix, null) as range_prefix,
        if(m.in_range, m.range_dataset_id, null) as range_dataset_id,
        if(m.in_range, rd.snapshot_date, null) as range_date,
        if(m.in_route, m.route_prefix, null) as route_prefix,
        if(m.in_route, m.origin_asns, null) as origin_asns,
        if(m.in_route, m.route_dataset_id, null) as route_dataset_id,
        if(m.in_route, td.snapshot_date, null) as route_date,
        if(m.in_route, coalesce(o.org_name, o.as_handle), null) as as_name,
        if(m.in_route, o.country, null) as as_country,
        if(m.in_route, coalesce(p1.provider_id, p2.provider_id), null) as asn_provider_id,
        coalesce(
            if(m.in_range, m.range_provider_id, null),
            if(m.in_route, coalesce(p1.provider_id, p2.provider_id), null)
        ) as provider_id,
        case
            when m.in_range then 'published_range'
            when m.in_route and coalesce(p1.provider_id, p2.provider_id) is not null then 'asn'
        end as confidence,
        if(m.in_route, o.as_handle, null) as as_handle,
        case when m.ip is null then 'not an IP address' end as error
    from matched as m
    left join stg_as_orgs as o on o.asn = m.origin_asns[1]
    left join asn_providers as p1 on p1.asn = m.origin_asns[1]
    left join asn_providers as p2 on p2.asn = m.origin_asns[2]
    left join datasets as rd on rd.dataset_id = m.range_dataset_id
    left join datasets as td on td.dataset_id = m.route_dataset_id
)

select * from final;
