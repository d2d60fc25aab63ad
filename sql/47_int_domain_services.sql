-- Every observed (name, service, provider) with its relationship, confidence and evidence chain,
-- before any join to entities. Providers outside the catalog are named by the views below: an AS
-- organisation (`as:...`, its own parent), `unrouted` addresses and `unattributed:<domain>` MX/NS
-- hosts (grouped under the parents 'unrouted' and 'unattributed', so reports count them). Sources: web/CDN (addresses and CNAMEs), MX/NS, SPF and TXT tokens,
-- and the CAs of certificates naming the domain. Range or AS data more than 90 days away from the
-- DNS observation lowers the confidence one step and says so in the evidence. A row resting on a
-- CNAME, MX or NS target resolved in another snapshot (int_name_chains, int_mx_ns_services: the
-- nearest within dns_chain_window_days()) names that snapshot in its evidence and is at most
-- `medium`; between equally strong observations, one of the name's own snapshot is chosen.
-- grain: one row per (domain, service, provider_id, observed_on)

create or replace view int_domain_services as
with web as (
    select
        name as domain,
        service,
        provider_id,
        relationship,
        base_confidence,
        observed_on,
        fallback_name,
        fallback_country,
        case when range_date is not null then abs(date_diff('day', range_date, resolved_on))
             when route_date is not null then abs(date_diff('day', route_date, resolved_on))
             when route_table_date is not null then abs(date_diff('day', route_table_date, resolved_on)) end
            as gap_days,
        resolved_on,
        crossed_at,
        cast(null as varchar) as target,
        list_filter(list_concat(
            [
                struct_pack(kind := 'dns', text := name || ' resolves', dataset_id := dataset_id, date := observed_on),
                case when len(hops) > 0 then struct_pack(
                    kind := 'cname', text := name || ' CNAME ' || array_to_string(hops, ' → '),
                    dataset_id := dataset_id, date := observed_on) end,
                case when resolved_on <> observed_on then struct_pack(
                    kind := 'dns',
                    text := 'CNAME target ' || crossed_at || ' has no record in this snapshot; resolved in the snapshot of '
                        || cast(resolved_on as varchar) || ', ' || abs(date_diff('day', observed_on, resolved_on))
                        || if(abs(date_diff('day', observed_on, resolved_on)) = 1, ' day ', ' days ')
                        || if(resolved_on > observed_on, 'later', 'earlier') || ': confidence at most medium',
                    dataset_id := resolved_dataset_id, date := resolved_on) end,
                case when address is not null then struct_pack(
                    kind := 'address',
                    text := final_name || case family when 6 then ' AAAA ' else ' A ' end || address,
                    dataset_id := dataset_id, date := resolved_on) end
            ],
            -- every published range that covers the address, most specific first
            list_transform(coalesce(ranges, []), lambda g: struct_pack(
                kind := 'range',
                text := address || ' in ' || g.provider_id || ' published range ' || g.prefix
                    || coalesce(' service ' || g.service, '') || coalesce(' region ' || g.region, '')
                    || coalesce(' (' || g.detail || ')', ''),
                dataset_id := g.dataset_id, date := g.date)),
            [
                case when route_prefix is not null then struct_pack(
                    kind := 'route',
                    text := 'longest prefix ' || route_prefix || ' originated by AS'
                        || array_to_string(origin_asns, ' + AS') || coalesce(' (' || as_name || coalesce(', ' || as_country, '') || ')', ''),
                    dataset_id := route_dataset_id, date := route_date) end,
                case when basis = 'unrouted' and route_table_id is not null then struct_pack(
                    kind := 'route', text := address || ' is in no routed prefix of this routing table',
                    dataset_id := route_table_id, date := route_table_date) end,
                case when basis = 'as_org' and as_dataset_id is not null then struct_pack(
                    kind := 'as_org',
                    text := 'AS' || origin_asn || ' belongs to ' || fallback_name || coalesce(' (' || fallback_country || ')', '')
                        || case when as_source = 'caida' then ', CAIDA organisation ' || as_org_id
                            else ', AS name from ' || as_source end,
                    dataset_id := as_dataset_id, date := as_date) end,
                struct_pack(kind := 'rule', text := reason, dataset_id := cast(null as integer), date := cast(null as date))
            ]
        ), lambda s: s is not null) as steps
    from int_web_services
),

mx_ns as (
    select
        m.name as domain,
        m.service,
        m.provider_id,
        m.relationship,
        m.base_confidence,
        m.observed_on,
        m.fallback_name,
        m.fallback_country,
        cast(null as bigint) as gap_days,
        m.resolved_on,
        m.crossed_at,
        m.target,
        list_filter([
            struct_pack(
                kind := 'dns',
                text := m.name || ' ' || m.rtype || ' ' || coalesce(cast(m.preference as varchar) || ' ', '') || m.target,
                dataset_id := m.dataset_id, date := m.observed_on),
            case when m.resolved_on <> m.observed_on then struct_pack(
                kind := 'dns',
                text := if(m.crossed_at = m.target, m.rtype, 'CNAME') || ' target ' || m.crossed_at
                    || ' has no record in this snapshot; resolved in the snapshot of '
                    || cast(m.resolved_on as varchar) || ', ' || abs(date_diff('day', m.observed_on, m.resolved_on))
                    || if(abs(date_diff('day', m.observed_on, m.resolved_on)) = 1, ' day ', ' days ')
                    || if(m.resolved_on > m.observed_on, 'later', 'earlier') || ': confidence at most medium',
                dataset_id := m.resolved_dataset_id, date := m.resolved_on) end,
            case when m.address is not null then struct_pack(
                kind := 'address', text := m.target || ' resolves to ' || m.address,
                dataset_id := m.resolved_dataset_id, date := m.resolved_on) end,
            struct_pack(kind := 'rule', text := m.reason, dataset_id := cast(null as integer), date := cast(null as date))
        ], lambda s: s is not null) as steps
    from int_mx_ns_services as m
),

txt as (
    select
        name as domain,
        service,
        provider_id,
        relationship,
        base_confidence,
        observed_on,
        cast(null as bigint) as gap_days,
        target,
        [
            struct_pack(kind := 'dns', text := name || ' TXT ' || left(coalesce(target, ''), 120),
                dataset_id := dataset_id, date := observed_on),
            struct_pack(kind := 'rule', text := reason, dataset_id := cast(null as integer), date := cast(null as date))
        ] as steps
    from int_txt_services
),

cert_cas as (
    select
        c.*,
        i.provider_id as ca_provider
    from stg_certificates as c
    inner join int_ct_issuer_providers as i
        on i.issuer_o is not distinct from c.issuer_o
        and i.issuer_cn is not distinct from c.issuer_cn
),

-- the registrable domains computed at ingest (raw_certificates.domains), not the PSL per name
-- again; `set variable attr_domain_names = [...]` (analyzer/domain_store.py) keeps only those
cert_domains as (
    select distinct
        u.domain,
        c.ca_provider,
        c.cert_id,
        c.issuer_o,
        c.issuer_cn,
        c.not_before,
        c.not_after,
        c.dataset_id,
        -- which certificate is the latest: by validity, then id and dataset (on not_before alone, a
        -- tie let the evidence name either of two issuers from one run to the next); none without
        -- a not_before, as before
        case when c.not_before is not null
            then struct_pack(nb := c.not_before, na := c.not_after, id := c.cert_id, ds := c.dataset_id)
        end as latest
    from cert_cas as c, unnest(c.domains) as u(domain)
    where getvariable('attr_domain_names') is null
        or list_contains(cast(getvariable('attr_domain_names') as varchar[]), u.domain)
),

tls as (
    select
        domain,
        'tls_ca' as service,
        ca_provider as provider_id,
        'customer' as relationship,
        'high' as base_confidence,
        cast(max(not_before) as date) as observed_on,
        cast(null as bigint) as gap_days,
        cast(null as varchar) as target,
        [
            struct_pack(
                kind := 'certificate',
                text := count(distinct cert_id) || ' certificate(s) for ' || domain || ' issued by '
                    || arg_max(coalesce(issuer_cn, issuer_o), latest) || ', latest valid '
                    || cast(cast(arg_max(not_before, latest) as date) as varchar) || ' to '
                    || cast(cast(arg_max(not_after, latest) as date) as varchar),
                dataset_id := arg_max(dataset_id, latest),
                date := cast(max(not_before) as date)),
            struct_pack(
                kind := 'rule', text := 'issuer organisation ' || coalesce(arg_max(issuer_o, latest), '?')
                    || ' belongs to CA company ' || ca_provider,
                dataset_id := cast(null as integer), date := cast(null as date))
        ] as steps
    from cert_domains
    where domain is not null
    group by domain, ca_provider
),

observations as (
    select * from web
    union all by name select * from mx_ns
    union all by name select * from txt
    union all by name select * from tls
),

-- a target resolved in another snapshot: at most medium
capped as (
    select
        *,
        coalesce(resolved_on <> observed_on, false) as crossed,
        if(coalesce(resolved_on <> observed_on, false) and base_confidence = 'high', 'medium', base_confidence)
            as own_confidence
    from observations
),

graded as (
    select
        *,
        case
            when gap_days > 90 then case own_confidence when 'high' then 'medium' else 'low' end
            else own_confidence
        end as confidence,
        case relationship
            when 'customer' then 1 when 'self_hosted' then 2 when 'gateway' then 3
            when 'via_intermediary' then 4 else 5
        end as relationship_rank,
        -- graded: an observation lowered by the 90-day rule does not outrank one that was not
        case
            when gap_days > 90 then case own_confidence when 'high' then 2 else 1 end
            when own_confidence = 'high' then 3 when own_confidence = 'medium' then 2 else 1
        end as confidence_rank
    from capped
),

-- the strongest observation speaks for the group; equal ones are ordered by their evidence text,
-- so the chosen evidence is the same on every run (an A and an AAAA record often tie)
ranked as (
    select
        *,
        (relationship_rank * 10 - confidence_rank, crossed, coalesce(target, ''), cast(to_json(steps) as varchar))
            as preference
    from graded
),

best as (
    select
        domain,
        service,
        provider_id,
        observed_on,
        arg_min(relationship, preference) as relationship,
        arg_min(confidence, preference) as confidence,
        arg_min(target, preference) as target,
        arg_min(gap_days, preference) as gap_days,
        arg_min(steps, preference) as steps,
        arg_min(fallback_name, preference) as fallback_name,
        arg_min(fallback_country, preference) as fallback_country,
        count(*) as supporting_records
    from ranked
    group by domain, service, provider_id, observed_on
),

final as (
    select
        b.domain,
        registrable_domain(b.domain) as registrable_domain,
        b.service,
        b.provider_id,
        coalesce(p.name, case b.provider_id when 'self' then 'the company itself' end, b.fallback_name, b.provider_id)
            as provider_name,
        -- outside the catalog: the AS organisation is its own parent; unknowns are grouped by kind
        coalesce(
            p.parent,
            case
                when b.provider_id = 'self' then 'the company itself'
                when b.provider_id = 'unrouted' then 'unrouted'
                when starts_with(b.provider_id, 'unattributed:') then 'unattributed'
            end,
            b.fallback_name,
            b.provider_id
        ) as provider_parent,
        coalesce(p.country, b.fallback_country) as provider_country,
        b.relationship,
        b.confidence,
        b.target,
        b.supporting_records,
        cast(to_json(
            case when b.gap_days > 90 then list_append(b.steps, struct_pack(
                kind := 'rule',
                text := 'range/AS data is ' || b.gap_days || ' days from the DNS observation: confidence lowered',
                dataset_id := cast(null as integer), date := cast(null as date)))
            else b.steps end
        ) as varchar) as evidence,
        b.observed_on
    from best as b
    left join catalog_providers as p on p.provider_id = b.provider_id
)

select * from final
