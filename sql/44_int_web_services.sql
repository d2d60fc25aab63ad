-- Web hosting and CDN of every name with addresses: the CNAME chain (a hop into a CDN's namespace
-- is `cdn`, into a hosting provider's namespace `web_hosting`), then every provider of the final
-- address (int_ip_providers: the published range and the other providers' ranges around it, else
-- each origin AS's catalog provider or AS organisation; an unrouted address is provider `unrouted`,
-- counted, not dropped). A chain through a third party's name that is no provider's is
-- `via_intermediary`: the company points at a SaaS or reseller which in turn runs on the provider;
-- so is a provider whose range holds another provider's range (GitHub's inside Azure's).
-- A chain continued in another snapshot (int_name_chains) carries `resolved_on` and `crossed_at`
-- on the rows that rest on that snapshot's records (its addresses, its hops): int_domain_services
-- says so and caps them at `medium`; a hop read in the name's own snapshot keeps its own date.
-- grain: one row per (name, observed_on, service, provider_id, address)

create or replace view int_web_services as
with addressed as (
    select
        a.name,
        a.observed_on,
        a.address,
        a.family,
        a.hops,
        a.final_name,
        a.dataset_id,
        a.resolved_on,
        a.crossed_at,
        ip.provider_id,
        ip.basis,
        ip.provider_name as fallback_name,
        ip.provider_country as fallback_country,
        ip.origin_asn,
        ip.outer_range,
        ip.range_provider_id,
        ip.range_service,
        ip.range_region,
        ip.range_prefix,
        ip.range_dataset_id,
        ip.range_date,
        ip.ranges,
        ip.route_prefix,
        ip.origin_asns,
        ip.route_dataset_id,
        ip.route_date,
        ip.route_table_id,
        ip.route_table_date,
        ip.as_name,
        ip.as_country,
        ip.as_org_id,
        ip.as_source,
        ip.as_dataset_id,
        ip.as_date,
        ip.confidence as ip_confidence
    from int_name_addresses as a
    inner join int_ip_providers as ip
        on ip.address = a.address
        and ip.observed_on = a.resolved_on
),

third_party_hops as (
    -- hops outside the name's own registrable domain that no provider pattern explains
    select
        a.name,
        a.observed_on,
        a.address,
        list(u.host) as hosts
    from int_name_addresses as a, unnest(a.hops) as u(host)
    where registrable_domain(u.host) is distinct from registrable_domain(a.name)
        and not exists (
            select 1 from int_host_providers as h where h.host = u.host
        )
    group by all
),

by_cname as (
    -- from the chain itself: a CNAME into a CDN's (or a hosting provider's) namespace is its
    -- customer even when the snapshot lacks the edge's addresses
    select distinct
        c.name,
        c.observed_on,
        c.hops,
        c.final_name,
        c.dataset_id,
        -- a hop after the first own_hops came from the snapshot the chain continued in
        if(list_position(c.hops, u.host) > c.own_hops, c.resolved_on, c.observed_on) as resolved_on,
        if(list_position(c.hops, u.host) > c.own_hops, c.crossed_at, null) as crossed_at,
        if(list_position(c.hops, u.host) > c.own_hops, c.resolved_dataset_id, c.dataset_id)
            as resolved_dataset_id,
        h.service,
        h.provider_id as attributed_provider,
        'customer' as relationship,
        'high' as base_confidence,
        'CNAME into ' || h.host || ' (' || h.provider_id || ' ' || h.service || ' namespace'
            || coalesce('; ' || h.pattern_note, '') || ')' as reason
    from int_name_chains as c, unnest(c.hops) as u(host)
    inner join int_host_providers as h
        on h.host = u.host
        and h.service in ('cdn', 'web_hosting')
),

by_address as (
    select
        a.*,
        a.dataset_id as resolved_dataset_id,
        case
            when upper(coalesce(a.outer_range.service, '')) in ('CLOUDFRONT', 'CLOUDFRONT_ORIGIN_FACING')
                or list_contains(p.kinds, 'cdn') and not list_contains(p.kinds, 'cloud')
                then 'cdn'
            else 'web_hosting'
        end as service,
        a.provider_id as attributed_provider,
        case
            when t.hosts is not null or a.basis = 'covering_range' then 'via_intermediary'
            else 'customer'
        end as relationship,
        case
            when a.basis in ('published_range', 'covering_range') then 'high'
            when a.basis in ('asn', 'as_org') then 'medium'
            else 'low'
        end as base_confidence,
        concat_ws('; ',
            case when t.hosts is not null
                then 'points via ' || array_to_string(t.hosts, ', ') || ', a third party, which runs on '
                    || a.provider_id end,
            case a.basis
                when 'published_range' then 'address inside ' || a.provider_id || '''s published range'
                when 'covering_range' then 'address inside ' || a.provider_id || '''s published range '
                    || a.outer_range.prefix || ', which holds ' || a.range_provider_id || '''s range '
                    || a.range_prefix || ': ' || a.range_provider_id || ' runs on ' || a.provider_id
                when 'asn' then 'address routed by an AS of ' || a.provider_id
                    || ' (ASN only: customers'' own space is possible)'
                when 'as_org' then 'address routed by AS' || a.origin_asn || ' of ' || a.fallback_name
                    || coalesce(' (' || a.fallback_country || ')', '')
                    || ': ASN organisation, not a provider-published range'
                when 'as_unknown' then 'address routed by AS' || a.origin_asn
                    || ', which no loaded AS organisation file names: ASN organisation, not a provider-published range'
                when 'unrouted' then case
                    when a.route_table_id is null then 'no routing table for IPv' || a.family
                        || ' is loaded: the address cannot be placed, no provider'
                    else 'address is in no routed prefix of the routing table of '
                        || a.route_table_date || ': unrouted, no provider'
                end
            end
        ) as reason
    from addressed as a
    left join catalog_providers as p on p.provider_id = a.provider_id
    left join third_party_hops as t
        on t.name = a.name
        and t.observed_on = a.observed_on
        and t.address = a.address
),

final as (
    select
        name,
        observed_on,
        address,
        service,
        attributed_provider as provider_id,
        relationship,
        base_confidence,
        reason,
        family,
        hops,
        final_name,
        dataset_id,
        resolved_on,
        crossed_at,
        resolved_dataset_id,
        range_provider_id,
        range_service,
        range_region,
        range_prefix,
        range_dataset_id,
        range_date,
        route_prefix,
        origin_asns,
        route_dataset_id,
        route_date,
        as_name,
        as_country,
        ip_confidence,
        basis,
        fallback_name,
        fallback_country,
        origin_asn,
        outer_range,
        ranges,
        route_table_id,
        route_table_date,
        as_org_id,
        as_source,
        as_dataset_id,
        as_date
    from (select * from by_cname union all by name select * from by_address)
)

select * from final
