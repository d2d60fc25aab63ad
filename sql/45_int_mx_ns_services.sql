-- Email (MX) and DNS hosting (NS) of every name: the target host's provider by its name (catalog
-- pattern; mail-filtering gateways are `gateway`), else by the target's addresses (every provider
-- of each, int_ip_providers: the company runs its mail on AS X). A target under the name's own
-- registrable domain is `self_hosted`: its provider is the one whose range or AS holds the target's
-- address (the company runs its own server on rented infrastructure), else the company ('self'). A
-- third party's target that no pattern names and no placed address explains is an `unattributed`
-- row naming the target's registrable domain (provider_id 'unattributed:<domain>'), so the answer
-- shows what is unknown instead of dropping it.
-- grain: one row per (name, observed_on, service, provider_id, target)

create or replace view int_mx_ns_services as
with targets as (
    select
        dataset_id,
        observed_on,
        name,
        case rtype when 'MX' then 'email' else 'dns_hosting' end as service,
        rtype,
        value as target,
        preference
    from stg_dns_records
    where rtype in ('MX', 'NS')
        and value <> ''
),

by_name as (
    select
        t.*,
        h.provider_id,
        h.relationship,
        'high' as base_confidence,
        t.target || ' matches ' || h.provider_id || ' pattern ' || h.pattern
            || coalesce(' (' || h.pattern_note || ')', '') as reason,
        cast(null as varchar) as address
    from targets as t
    inner join int_host_providers as h
        on h.host = t.target
        and h.service = t.service
),

unmatched as (
    select
        t.*,
        registrable_domain(t.target) = registrable_domain(t.name) as own_domain
    from targets as t
    anti join by_name as b using (dataset_id, observed_on, name, service, target)
),

-- the providers of the target's addresses on the same date (an unrouted address places nothing)
placed as (
    select
        u.*,
        a.address,
        ip.provider_id,
        ip.basis,
        ip.provider_name as fallback_name,
        ip.provider_country as fallback_country,
        ip.origin_asn
    from unmatched as u
    inner join int_name_addresses as a
        on a.name = u.target
        and a.observed_on = u.observed_on
    inner join int_ip_providers as ip
        on ip.address = a.address
        and ip.observed_on = a.observed_on
    where ip.provider_id <> 'unrouted'
),

by_address as (
    select
        p.* exclude (own_domain, basis, origin_asn),
        case when p.own_domain then 'self_hosted' else 'via_intermediary' end as relationship,
        case
            when p.basis in ('published_range', 'covering_range') then 'high'
            when p.basis in ('asn', 'as_org') then 'medium'
            else 'low'
        end as base_confidence,
        case
            when p.own_domain then p.target || ' is under the company''s own domain; its address '
            else p.target || ' belongs to a third party whose address '
        end || p.address || ' is ' || p.provider_id || '''s'
            || case
                when p.basis in ('as_org', 'as_unknown') then ' (AS' || p.origin_asn
                    || coalesce(' of ' || p.fallback_name, '')
                    || ': ASN organisation, not a provider-published range)'
                else ''
            end as reason
    from placed as p
),

-- targets with no placed address: the company itself for its own names, else unattributed
unplaced as (
    select
        u.* exclude (own_domain),
        case when u.own_domain then 'self'
            else 'unattributed:' || coalesce(registrable_domain(u.target), u.target) end as provider_id,
        case when u.own_domain then 'self_hosted' else 'customer' end as relationship,
        case when u.own_domain then 'medium' else 'low' end as base_confidence,
        case
            when u.own_domain
                then u.target || ' is under the company''s own domain; its address is no known provider''s'
            else u.target || ' is in no provider''s namespace and no address of it is placed: its operator ('
                || coalesce(registrable_domain(u.target), u.target) || ') is not identified'
        end as reason,
        cast(null as varchar) as address,
        if(u.own_domain, null, coalesce(registrable_domain(u.target), u.target)) as fallback_name,
        cast(null as varchar) as fallback_country
    from unmatched as u
    anti join placed as p using (dataset_id, observed_on, name, service, target)
),

final as (
    select * from by_name
    union all by name
    select * from by_address
    union all by name
    select * from unplaced
)

select * from final
