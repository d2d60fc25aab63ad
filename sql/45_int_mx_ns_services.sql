-- Email (MX) and DNS hosting (NS) of every name: the target host's provider by its name (catalog
-- pattern; mail-filtering gateways are `gateway`), else by the target's addresses (every provider
-- of each, int_ip_providers: the company runs its mail on AS X). A target under the name's own
-- registrable domain is `self_hosted`: its provider is the one whose range or AS holds the target's
-- address (the company runs its own server on rented infrastructure), else the company ('self'). A
-- third party's target that no pattern names and no placed address explains is an `unattributed`
-- row naming the target's registrable domain (provider_id 'unattributed:<domain>'), so the answer
-- shows what is unknown instead of dropping it.
-- A target with no address in its own snapshot is placed by its addresses in the nearest other
-- snapshot within dns_chain_window_days() (the earlier one on a tie): `resolved_on` is that date,
-- `crossed_at` the target, and int_domain_services says so and caps the row at `medium`. Addresses
-- of the target's own snapshot always win: the other snapshots are looked up only for targets that
-- found none (an equi-join on the name, filtered by date).
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
        cast(null as varchar) as address,
        cast(null as date) as resolved_on,
        cast(null as varchar) as crossed_at,
        cast(null as integer) as resolved_dataset_id
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

-- the snapshot whose addresses place each target: its own when it has any there, else the nearest
-- other one within the window (addresses found there without leaving it)
target_dates as (
    select distinct
        target,
        observed_on
    from unmatched
),

own_dates as (
    select distinct
        t.target,
        t.observed_on,
        t.observed_on as address_on
    from target_dates as t
    inner join int_name_addresses as a
        on a.name = t.target
        and a.observed_on = t.observed_on
),

other_dates as (
    select *
    from (
        select
            t.target,
            t.observed_on,
            a.observed_on as address_on
        from (select * from target_dates anti join own_dates using (target, observed_on)) as t
        inner join int_name_addresses as a
            on a.name = t.target
            and abs(date_diff('day', t.observed_on, a.observed_on)) between 1 and dns_chain_window_days()
        where a.resolved_on = a.observed_on
    )
    qualify row_number() over (
        partition by target, observed_on
        order by abs(date_diff('day', observed_on, address_on)), address_on
    ) = 1
),

address_dates as (
    select * from own_dates
    union all
    select * from other_dates
),

-- the providers of the target's addresses on that date (an unrouted address places nothing)
placed as (
    select
        u.*,
        a.address,
        a.resolved_on,
        if(d.address_on <> u.observed_on, u.target, a.crossed_at) as crossed_at,
        a.dataset_id as resolved_dataset_id,
        ip.provider_id,
        ip.basis,
        ip.provider_name as fallback_name,
        ip.provider_country as fallback_country,
        ip.origin_asn
    from unmatched as u
    inner join address_dates as d
        on d.target = u.target
        and d.observed_on = u.observed_on
    inner join int_name_addresses as a
        on a.name = u.target
        and a.observed_on = d.address_on
    inner join int_ip_providers as ip
        on ip.address = a.address
        and ip.observed_on = a.resolved_on
    where ip.provider_id <> 'unrouted'
        and (d.address_on = u.observed_on or a.resolved_on = a.observed_on)
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
        cast(null as date) as resolved_on,
        cast(null as varchar) as crossed_at,
        cast(null as integer) as resolved_dataset_id,
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
