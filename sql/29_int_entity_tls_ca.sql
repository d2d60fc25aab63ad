-- TLS certificate authorities of each entity's domains: the certificates naming a linked domain
-- that are valid on the reference date `valid_on`, grouped by issuer and CA company.
-- valid_on = getvariable('ct_valid_on') when set (`set variable ct_valid_on = date '2024-06-01'`),
-- else the latest DNS snapshot date, else the latest CT snapshot date, else current_date.
-- Certificates of a watchlist host name ("www.x.com") are those of its registrable domain.
-- grain: one row per (entity_id, domain, provider_id, issuer_o, issuer_cn)

create or replace view int_entity_tls_ca as
with reference as (
    select
        coalesce(
            getvariable('ct_valid_on')::date,
            (select max(snapshot_date) from datasets where kind = 'dns' and status = 'loaded'),
            (select max(snapshot_date) from datasets where kind = 'ct' and status = 'loaded'),
            current_date
        ) as valid_on
),

linked as (
    select
        d.entity_id,
        d.domain,
        coalesce(n.domain, d.domain) as registrable,
        d.method,
        d.confidence
    from entity_domains as d
    left join ct_name_domains as n on n.name = d.domain
),

valid_certs as (
    select
        c.*,
        r.valid_on
    from stg_certificate_domains as c
    cross join reference as r
    where c.not_before::date <= r.valid_on
      and c.not_after::date >= r.valid_on
),

final as (
    select
        l.entity_id,
        l.domain,
        p.provider_id,
        c.issuer_o,
        c.issuer_cn,
        count(distinct c.cert_id) as certificates,
        min(c.not_before) as first_not_before,
        max(c.not_after) as last_not_after,
        any_value(c.valid_on) as valid_on,
        any_value(l.confidence) as link_confidence,
        json_object(
            'valid_on', any_value(c.valid_on),
            'link_method', any_value(l.method),
            'issuer_pattern', any_value(p.pattern),
            'matched_on', any_value(p.matched_on),
            'cert_ids', (list(distinct c.cert_id order by c.cert_id))[1:5],
            'crtsh_ids', (list(distinct c.crtsh_id order by c.crtsh_id) filter (where c.crtsh_id is not null))[1:5],
            'dataset_ids', list(distinct c.dataset_id order by c.dataset_id)
        )::varchar as evidence
    from linked as l
    inner join valid_certs as c on c.domain = l.registrable
    left join int_ct_issuer_providers as p
        on p.issuer_o is not distinct from c.issuer_o
        and p.issuer_cn is not distinct from c.issuer_cn
    group by l.entity_id, l.domain, p.provider_id, c.issuer_o, c.issuer_cn
)

select * from final
