-- Table macro providers_filtered(search): the provider catalog as users see it (`analyzer
-- providers`): per provider its names, parent and country, the services its hostname patterns, CA
-- names and verification tokens give, how many hostname patterns, published ranges (distinct
-- prefixes in the loaded range files; 0 when none is loaded) and ASNs it has, and where each came
-- from: the catalog files of the entry, of its patterns and of its ASNs (relative to datasets/;
-- peers/... is peer-derived), the peer projects' names for it, and the range files (dataset source).
-- `search` (null: everything) is matched case-insensitively inside the id, name, parent, a peer name
-- or one of the provider's hostname patterns.
-- grain: one row per provider_id

create or replace macro providers_filtered(search) as table
with hostnames as (
    select
        provider_id,
        count(distinct (service, pattern)) as hostname_patterns,
        list(distinct service order by service) as services,
        list(distinct source order by source) filter (where source is not null) as hostname_sources
    from catalog_hostnames
    group by provider_id
),

asns as (
    select
        provider_id,
        count(distinct asn) as asns,
        list(distinct source order by source) filter (where source is not null) as asn_sources
    from catalog_asns
    group by provider_id
),

ranges as (
    select
        r.provider_id,
        count(distinct r.prefix) as ranges,
        list(distinct d.source order by d.source) as range_sources
    from raw_ranges as r
    inner join datasets as d using (dataset_id)
    where d.status = 'loaded'
    group by r.provider_id
),

other_services as (
    select provider_id, 'tls_ca' as service from catalog_ca_names
    union
    select provider_id, service from catalog_verification
),

services as (
    select
        provider_id,
        list(distinct service order by service) as services
    from (
        select provider_id, unnest(services) as service from hostnames
        union
        select provider_id, service from other_services
    )
    group by provider_id
),

matching as (
    select distinct provider_id
    from catalog_hostnames
    where contains(lower(pattern), lower(search))
),

final as (
    select
        p.provider_id,
        p.name,
        p.parent,
        p.country,
        coalesce(s.services, []) as services,
        p.kinds,
        coalesce(h.hostname_patterns, 0) as hostname_patterns,
        coalesce(r.ranges, 0) as ranges,
        coalesce(a.asns, 0) as asns,
        p.sources,
        coalesce(h.hostname_sources, []) as hostname_sources,
        coalesce(a.asn_sources, []) as asn_sources,
        coalesce(r.range_sources, []) as range_sources,
        coalesce(p.peer_names, []) as peer_names,
        p.source_url
    from catalog_providers as p
    left join hostnames as h using (provider_id)
    left join asns as a using (provider_id)
    left join ranges as r using (provider_id)
    left join services as s using (provider_id)
    where search is null
        or contains(lower(p.provider_id), lower(search))
        or contains(lower(p.name), lower(search))
        or contains(lower(p.parent), lower(search))
        or list_bool_or(list_transform(coalesce(p.peer_names, []), lambda n: contains(lower(n), lower(search))))
        or p.provider_id in (select provider_id from matching)
)

select * from final
order by provider_id
