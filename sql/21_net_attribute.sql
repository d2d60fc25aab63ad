-- Table macro net_attribute('table'): attribution of every address of a table or view with columns
-- (seq, address) and optionally `as_of` (a date; null or absent: the latest files). One SQL for the
-- int_ip_attribution view, `analyzer lookup` and bulk Arrow/polars lookups.
-- Each row is judged with the files of its own date: per kind, the file dated nearest to it (the
-- latest on or before it, else the earliest after it; sql/12-14, sql/18). Addresses become
-- integers; the most specific published range of the range set of that date and the longest routed
-- prefix of that date's routing table are found over disjoint intervals (IPv4: a hash join on /16
-- buckets; IPv6: ASOF joins).
-- Published ranges beat ASNs: provider_id is the range's provider, else the catalog provider of an
-- origin AS (confidence 'asn'), else the AS's organisation (confidence 'as_org'): `as:<CAIDA org id>`
-- (all ASNs of one CAIDA organisation are one provider), or `as:AS<asn>` when only an AS name
-- (pyasn asnames, iptoasn) or nothing is known. A multi-origin prefix keeps every origin:
-- origin_providers has one entry per origin AS. `ranges` keeps every covering published range.
-- An address inside no routed prefix (or with no routing table for its family) has no provider.
-- A route interval is found on its keys (epoch, lo, hi) first; only the intervals some address falls
-- in are enriched (AS names, catalog providers, file dates), once per interval and file combination,
-- so a call about a few addresses costs a scan of the keys, not a sort of the whole routing table.
-- grain: one row per input row (seq)

create or replace macro net_attribute(input_table) as table
with input as (
    select
        seq,
        trim(address) as address,
        as_of::date as as_of,
        coalesce(as_of::date, date '9999-12-30') as on_date
    from (
        -- `as_of` is optional: a table without it asks about the latest files
        select null::bigint as seq, null::varchar as address, null::date as as_of
        where false
        union all by name
        select * from query_table(input_table)
    )
),

-- the files of each date asked about: range set, routing table per family, AS organisation files
dates as (
    select distinct on_date from input
),

org_files as (
    select distinct
        dataset_id,
        valid_from,
        valid_to
    from stg_as_orgs
),

date_orgs as (
    select
        d.on_date,
        string_agg(f.dataset_id::varchar, ',' order by f.dataset_id) as org_key,
        list(f.dataset_id order by f.dataset_id) as org_datasets
    from dates as d
    inner join org_files as f
        on f.valid_from <= d.on_date
        and d.on_date < f.valid_to
    group by d.on_date
),

date_routes as (
    select
        d.on_date,
        w.family,
        w.dataset_id as route_table_id,
        w.snapshot_date as route_table_date
    from dates as d
    inner join stg_route_windows as w
        on w.valid_from <= d.on_date
        and d.on_date < w.valid_to
),

date_sets as (
    select
        d.on_date,
        s.set_id
    from dates as d
    inner join stg_range_sets as w
        on w.valid_from <= d.on_date
        and d.on_date < w.valid_to
    inner join net_range_sets as s using (set_key)
),

-- a route epoch: one routing table with one combination of AS organisation files
route_epochs as (
    select
        r.on_date,
        r.family,
        r.route_table_id,
        r.route_table_date,
        o.org_datasets,
        dense_rank() over (order by r.family, r.route_table_id, o.org_key) as route_epoch
    from date_routes as r
    left join date_orgs as o using (on_date)
),

epochs as (
    select distinct
        route_epoch,
        family,
        route_table_id,
        route_table_date,
        org_datasets
    from route_epochs
),

epoch_orgs as (
    select
        e.route_epoch,
        o.asn,
        arg_max(
            struct_pack(
                as_handle := o.as_handle, org_id := o.org_id, org_name := o.org_name, country := o.country,
                source := o.source, dataset_id := o.dataset_id, date := o.snapshot_date
            ),
            o.source_rank
        ) as org
    from epochs as e
    cross join unnest(e.org_datasets) as u(dataset_id)
    inner join stg_as_orgs as o on o.dataset_id = u.dataset_id
    group by e.route_epoch, o.asn
),

asn_providers as (
    select
        asn,
        min(provider_id) as provider_id
    from catalog_asns
    group by asn
),

-- the intervals of each epoch as keys only: an address finds its interval among these, and only the
-- intervals found are enriched below (a call about a few addresses neither enriches nor sorts a
-- whole routing table, about a second a call on a full one)
route_keys as (
    select
        e.route_epoch,
        r.family,
        r.lo,
        r.hi
    from epochs as e
    inner join net_route_intervals as r
        on r.dataset_id = e.route_table_id
        and r.family = e.family
),

-- each input row with the files of its date
located as (
    select
        i.seq,
        i.address,
        i.as_of,
        i.on_date,
        s.set_id
    from input as i
    left join date_sets as s using (on_date)
),

-- split by syntax first: each parser then runs only on its own rows
v4_text as (
    select
        *,
        net_ip4_int(address) as ip
    from located
    where not contains(address, ':')
),

v6_text as (
    select
        *,
        net_ip6_int(address) as ip
    from located
    where contains(address, ':')
),

-- an IPv4-mapped IPv6 address is its IPv4 address
v4_all as (
    select * from v4_text
    union all
    select
        * exclude (ip),
        (ip & 4294967295)::ubigint as ip
    from v6_text
    where (ip >> 32) = 65535
),

v4 as (
    select
        v.*,
        e.route_epoch,
        e.route_table_id,
        e.route_table_date
    from v4_all as v
    left join route_epochs as e
        on e.on_date = v.on_date
        and e.family = 4
),

v6 as (
    select
        v.*,
        e.route_epoch,
        e.route_table_id,
        e.route_table_date
    from v6_text as v
    left join route_epochs as e
        on e.on_date = v.on_date
        and e.family = 6
    where (v.ip >> 32) <> 65535 or v.ip is null
),

-- IPv4 intervals under their /16 bucket: one within a /16 (almost all) under it, one that crosses
-- a /16 boundary under every /16 it touches (at most 65,536 rows over those of a table). An
-- address's interval is then a hash join on (epoch, bucket) plus BETWEEN, at most one row (the
-- intervals of a table are disjoint). No cast to a narrower type here: the optimizer may evaluate
-- a filter of these columns before the `family = 4` one, on IPv6 keys.
route_keys4 as (
    select
        route_epoch,
        lo,
        hi,
        lo >> 16 as lo_bucket,
        hi >> 16 as hi_bucket
    from route_keys
    where family = 4
),

route_buckets4 as (
    select
        route_epoch,
        lo,
        hi,
        lo_bucket as bucket
    from route_keys4
    where lo_bucket = hi_bucket
    union all
    select
        k.route_epoch,
        k.lo,
        k.hi,
        b.bucket::uhugeint as bucket
    from route_keys4 as k, range(cast(k.lo_bucket as bigint), cast(k.hi_bucket as bigint) + 1) as b(bucket)
    where k.lo_bucket < k.hi_bucket
),

route_hits4 as (
    select
        v.seq,
        r.route_epoch,
        r.lo
    from v4 as v
    inner join route_buckets4 as r
        on r.route_epoch = v.route_epoch
        and r.bucket = (v.ip >> 16)::uhugeint
        and v.ip::uhugeint between r.lo and r.hi
),

-- IPv6: an ASOF match over the keys (the interval starting at or before the address), which must
-- also reach it
route_hits6 as (
    select
        v.seq,
        r.route_epoch,
        r.lo
    from v6 as v
    asof inner join (select * from route_keys where family = 6) as r
        on v.route_epoch = r.route_epoch
        and v.ip >= r.lo
    where v.ip <= r.hi
),

-- the intervals some address falls in: the only ones enriched
route_hits as (
    select distinct
        route_epoch,
        4::tinyint as family,
        lo
    from route_hits4
    union all
    select distinct
        route_epoch,
        6::tinyint as family,
        lo
    from route_hits6
),

-- the hits first: their few keys then filter the scan of the intervals
route_intervals as (
    select
        e.route_epoch,
        e.route_table_date,
        r.*
    from route_hits as h
    inner join epochs as e on e.route_epoch = h.route_epoch
    inner join net_route_intervals as r
        on r.dataset_id = e.route_table_id
        and r.family = h.family
        and r.lo = h.lo
),

multi_intervals as (
    select
        route_epoch,
        family,
        lo,
        origin_asns
    from route_intervals
    where len(origin_asns) > 1
),

-- every origin of the multi-origin prefixes (a few percent): its catalog provider or organisation
multi_origins as (
    select
        r.route_epoch,
        r.family,
        r.lo,
        list(
            struct_pack(
                asn := u.asn,
                provider_id := coalesce(
                    p.provider_id,
                    case when o.org.source = 'caida' and o.org.org_id is not null
                        then 'as:' || o.org.org_id else 'as:AS' || u.asn end
                ),
                catalog := p.provider_id is not null,
                name := coalesce(o.org.org_name, o.org.as_handle),
                country := o.org.country
            )
            order by i.position
        ) as origin_providers
    from multi_intervals as r
    cross join (select unnest(range(1, len(r.origin_asns) + 1)) as position) as i
    cross join (select r.origin_asns[i.position] as asn) as u
    left join asn_providers as p on p.asn = u.asn
    left join epoch_orgs as o
        on o.route_epoch = r.route_epoch
        and o.asn = u.asn
    group by r.route_epoch, r.family, r.lo
),

routes as (
    select
        r.route_epoch,
        r.family,
        r.lo,
        r.hi,
        r.prefix as route_prefix,
        r.origin_asns,
        r.dataset_id as route_dataset_id,
        r.route_table_date as route_date,
        coalesce(o.org.org_name, o.org.as_handle) as as_name,
        o.org.country as as_country,
        o.org.as_handle as as_handle,
        o.org.org_id as as_org_id,
        o.org.source as as_source,
        o.org.dataset_id as as_dataset_id,
        o.org.date as as_date,
        coalesce(p1.provider_id, p2.provider_id) as asn_provider_id,
        case when o.org.source = 'caida' and o.org.org_id is not null
            then 'as:' || o.org.org_id else 'as:AS' || r.origin_asns[1] end as as_provider_id,
        coalesce(
            m.origin_providers,
            [struct_pack(
                asn := r.origin_asns[1],
                provider_id := coalesce(
                    p1.provider_id,
                    case when o.org.source = 'caida' and o.org.org_id is not null
                        then 'as:' || o.org.org_id else 'as:AS' || r.origin_asns[1] end
                ),
                catalog := p1.provider_id is not null,
                name := coalesce(o.org.org_name, o.org.as_handle),
                country := o.org.country
            )]
        ) as origin_providers
    from route_intervals as r
    left join epoch_orgs as o
        on o.route_epoch = r.route_epoch
        and o.asn = r.origin_asns[1]
    left join asn_providers as p1 on p1.asn = r.origin_asns[1]
    left join asn_providers as p2 on p2.asn = r.origin_asns[2]
    left join multi_origins as m
        on m.route_epoch = r.route_epoch
        and m.family = r.family
        and m.lo = r.lo
),

range_dates as (
    select
        dataset_id,
        snapshot_date
    from datasets
    where kind = 'ranges'
),

ranges as (
    select
        g.set_id,
        g.family,
        g.lo,
        g.hi,
        g.provider_id as range_provider_id,
        g.service as range_service,
        g.region as range_region,
        g.prefix as range_prefix,
        g.dataset_id as range_dataset_id,
        d.snapshot_date as range_date,
        g.covering
    from net_range_intervals as g
    inner join range_dates as d using (dataset_id)
    where g.set_id in (select set_id from date_sets)
),

routes4 as (
    select * exclude (family, hi)
    from routes
    where family = 4
),

ranges4 as (
    select
        * exclude (family, lo, hi),
        lo::ubigint as lo,
        hi::ubigint as range_hi
    from ranges
    where family = 4
),

routes6 as (
    select * exclude (family, hi)
    from routes
    where family = 6
),

ranges6 as (
    select
        * exclude (family, hi),
        hi as range_hi
    from ranges
    where family = 6
),

-- IPv4 published ranges: few (about 11k intervals a set), so each is listed under every /16 it
-- touches and an address finds its candidates by a hash join on (set, /16), with no sort of the
-- addresses. The intervals of a set are disjoint, so an address has at most one hit; the ordering
-- below only keeps that true should the table ever hold overlapping rows.
ranges4_buckets as (
    select
        g.*,
        b.bucket
    from ranges4 as g, range(cast(g.lo >> 16 as bigint), cast(g.range_hi >> 16 as bigint) + 1) as b(bucket)
),

range_hits4 as (
    select
        v.seq,
        g.* exclude (lo, range_hi, bucket, set_id)
    from v4 as v
    inner join ranges4_buckets as g
        on g.set_id = v.set_id
        and g.bucket = cast(v.ip >> 16 as bigint)
        and v.ip between g.lo and g.range_hi
    qualify row_number() over (
        partition by v.seq
        order by g.range_hi - g.lo, g.range_dataset_id desc
    ) = 1
),

-- each address with its route interval (route_hits4) and its range hit, joined on seq
matched4 as (
    select
        a.seq,
        a.address,
        a.as_of,
        if(a.ip is null, null, 4)::tinyint as family,
        a.ip is null as invalid,
        k.seq is not null as in_route,
        h.seq is not null as in_range,
        a.route_table_id,
        a.route_table_date,
        r.* exclude (lo, route_epoch),
        h.* exclude (seq)
    from v4 as a
    left join route_hits4 as k on k.seq = a.seq
    left join routes4 as r
        on r.route_epoch = k.route_epoch
        and r.lo = k.lo
    left join range_hits4 as h on h.seq = a.seq
),

matched6 as (
    select
        a.seq,
        a.address,
        a.as_of,
        if(a.ip is null, null, 6)::tinyint as family,
        a.ip is null as invalid,
        k.seq is not null as in_route,
        a.ip <= g.range_hi as in_range,
        a.route_table_id,
        a.route_table_date,
        r.* exclude (lo, route_epoch),
        g.* exclude (lo, range_hi, set_id)
    from v6 as a
    left join route_hits6 as k on k.seq = a.seq
    left join routes6 as r
        on r.route_epoch = k.route_epoch
        and r.lo = k.lo
    asof left join ranges6 as g
        on a.set_id = g.set_id
        and a.ip >= g.lo
),

matched as (
    select * from matched4
    union all by name
    select * from matched6
),

picked as (
    select
        *,
        coalesce(
            if(in_range, range_provider_id, null),
            if(in_route, asn_provider_id, null),
            if(in_route, as_provider_id, null)
        ) as chosen_provider
    from matched
),

final as (
    select
        p.seq,
        p.address,
        p.family,
        if(p.in_range, p.range_provider_id, null) as range_provider_id,
        if(p.in_range, p.range_service, null) as range_service,
        if(p.in_range, p.range_region, null) as range_region,
        if(p.in_range, p.range_prefix, null) as range_prefix,
        if(p.in_range, p.range_dataset_id, null) as range_dataset_id,
        if(p.in_range, p.range_date, null) as range_date,
        if(p.in_route, p.route_prefix, null) as route_prefix,
        if(p.in_route, p.origin_asns, null) as origin_asns,
        if(p.in_route, p.route_dataset_id, null) as route_dataset_id,
        if(p.in_route, p.route_date, null) as route_date,
        if(p.in_route, p.as_name, null) as as_name,
        if(p.in_route, p.as_country, null) as as_country,
        if(p.in_route, p.asn_provider_id, null) as asn_provider_id,
        p.chosen_provider as provider_id,
        case
            when p.in_range then 'published_range'
            when p.in_route and p.asn_provider_id is not null then 'asn'
            when p.in_route then 'as_org'
        end as confidence,
        if(p.in_route, p.as_handle, null) as as_handle,
        if(p.invalid, 'not an IP address', null) as error,
        p.as_of,
        coalesce(c.name, if(p.in_route and p.asn_provider_id is null, coalesce(p.as_name, 'AS' || p.origin_asns[1]), null))
            as provider_name,
        coalesce(c.country, if(p.in_route and p.asn_provider_id is null, p.as_country, null)) as provider_country,
        if(p.in_range, p.covering, null) as ranges,
        if(p.in_route, p.origin_providers, null) as origin_providers,
        if(p.in_route, p.as_org_id, null) as as_org_id,
        if(p.in_route, p.as_source, null) as as_source,
        if(p.in_route, p.as_dataset_id, null) as as_dataset_id,
        if(p.in_route, p.as_date, null) as as_date,
        p.route_table_id,
        p.route_table_date
    from picked as p
    left join catalog_providers as c on c.provider_id = p.chosen_provider
)

select * from final;
