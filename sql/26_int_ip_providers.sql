-- Every provider an address answers to on a date, one row each (int_ip_attribution has one row per
-- address and names only the first). Inside published ranges: the provider of the most specific
-- range (basis 'published_range') and every other provider whose range covers it ('covering_range':
-- a GitHub range inside an Azure range is GitHub's and, behind it, Azure's). Else, routed: the
-- provider of each origin AS of the longest prefix (multi-origin prefixes keep all): its catalog
-- provider ('asn'), else its AS organisation ('as_org'; 'as_unknown' when no as2org-like file names
-- the AS). Else a valid address is 'unrouted', provider_id 'unrouted', so it is counted, not lost.
-- grain: one row per (address, observed_on, provider_id)

create or replace view int_ip_providers as
with attributed as (
    select *
    from int_ip_attribution
    where error is null
),

-- per provider, the most specific of its covering ranges
by_range as (
    select
        a.* exclude (provider_id, provider_name, provider_country),
        u.e.provider_id,
        case when u.e.provider_id = a.range_provider_id then 'published_range' else 'covering_range' end
            as basis,
        cast(null as varchar) as provider_name,
        cast(null as varchar) as provider_country,
        cast(null as bigint) as origin_asn,
        u.e as outer_range
    from attributed as a
    cross join unnest(list_filter(
        a.ranges,
        lambda e, i: list_position(list_transform(a.ranges, lambda x: x.provider_id), e.provider_id) = i
    )) as u(e)
    where a.ranges is not null
),

by_route as (
    select
        a.* exclude (provider_id, provider_name, provider_country),
        u.o.provider_id,
        case
            when u.o.catalog then 'asn'
            when u.o.name is not null then 'as_org'
            else 'as_unknown'
        end as basis,
        if(u.o.catalog, null, coalesce(u.o.name, 'AS' || u.o.asn)) as provider_name,
        if(u.o.catalog, null, u.o.country) as provider_country,
        u.o.asn as origin_asn,
        null as outer_range
    from attributed as a
    cross join unnest(list_filter(
        a.origin_providers,
        lambda o, i: list_position(list_transform(a.origin_providers, lambda x: x.provider_id), o.provider_id) = i
    )) as u(o)
    where a.ranges is null
        and a.origin_providers is not null
),

unrouted as (
    select
        a.* exclude (provider_id, provider_name, provider_country),
        'unrouted' as provider_id,
        'unrouted' as basis,
        'unrouted address' as provider_name,
        cast(null as varchar) as provider_country,
        cast(null as bigint) as origin_asn,
        null as outer_range
    from attributed as a
    where a.ranges is null
        and a.origin_providers is null
        and a.family is not null
),

final as (
    select * from by_range
    union all by name
    select * from by_route
    union all by name
    select * from unrouted
)

select * from final
