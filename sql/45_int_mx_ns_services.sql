-- Email (MX) and DNS hosting (NS) of every name: the target host's provider by its name (catalog
-- pattern; mail-filtering gateways are `gateway`), else by the target's addresses. A target under
-- the name's own registrable domain is `self_hosted`: its provider is the one whose range or AS holds
-- the target's address (the company runs its own server on rented infrastructure), else the company.
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

by_address as (
    select
        u.dataset_id,
        u.observed_on,
        u.name,
        u.service,
        u.rtype,
        u.target,
        u.preference,
        coalesce(ip.provider_id, case when u.own_domain then 'self' end) as provider_id,
        case when u.own_domain then 'self_hosted' else 'via_intermediary' end as relationship,
        case
            when ip.confidence = 'published_range' then 'high'
            when ip.confidence = 'asn' then 'medium'
            else 'medium'
        end as base_confidence,
        case
            when u.own_domain and ip.provider_id is not null
                then u.target || ' is under the company''s own domain; its address ' || a.address
                    || ' is ' || ip.provider_id || '''s'
            when u.own_domain then u.target || ' is under the company''s own domain; its address is no known provider''s'
            else u.target || ' belongs to a third party whose address ' || a.address || ' is ' || ip.provider_id || '''s'
        end as reason,
        a.address
    from unmatched as u
    left join int_name_addresses as a
        on a.name = u.target
        and a.observed_on = u.observed_on
    left join int_ip_attribution as ip on ip.address = a.address
    where ip.provider_id is not null or u.own_domain
),

final as (
    select * from by_name
    union all by name
    select * from by_address
)

select * from final
