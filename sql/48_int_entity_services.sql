-- Who serves each listed company, computed live: the domain answers joined to the company's linked
-- domains (attr_entity_services serves the stored result of this view, see sql/52).
-- Web hosting and CDN count only for its web names (the linked domain, www., names in its
-- certificates); mail, DNS, SPF and CA for every name under the linked domains. A target under any
-- of the company's own domains is `self_hosted`. The confidence is the weaker of the service
-- evidence and the entity-to-domain link (a fuzzy name match never reads as fact).
-- grain: one row per (entity_id, domain, service, provider_id, observed_on)

create or replace view int_entity_services as
with links as (
    select
        entity_id,
        domain as linked_domain,
        method as link_method,
        confidence as link_confidence,
        score as link_score,
        evidence as link_evidence
    from int_entity_domains
),

san_names as (
    select distinct
        ltrim(lower(u.san), '*.') as name
    from stg_certificates as c, unnest(c.sans) as u(san)
),

-- a row under the linked domain, or for the linked name itself: two equi-joins (an OR join
-- condition is a nested loop over every row of int_domain_services), each pair once
candidates as (
    select
        l.*,
        s.*
    from links as l
    inner join int_domain_services as s
        on s.registrable_domain = l.linked_domain
    union all
    select
        l.*,
        s.*
    from links as l
    inner join int_domain_services as s
        on s.domain = l.linked_domain
    where s.registrable_domain is distinct from l.linked_domain
),

scoped as (
    select c.*
    from candidates as c
    where c.service not in ('web_hosting', 'cdn')
        or c.domain in (c.linked_domain, 'www.' || c.linked_domain)
        or c.domain in (select name from san_names)
),

own_targets as (
    select
        s.entity_id,
        s.domain,
        s.service,
        s.provider_id,
        s.observed_on
    from scoped as s
    inner join links as l2
        on l2.entity_id = s.entity_id
        and registrable_domain(s.target) = l2.linked_domain
    where s.relationship = 'via_intermediary'
        and s.service in ('email', 'dns_hosting')
),

relabelled as (
    select
        s.*,
        case when o.entity_id is not null then 'self_hosted' else s.relationship end as final_relationship,
        case
            when s.link_confidence in ('high', 'analyst') then s.confidence
            when s.link_confidence = 'medium' and s.confidence = 'high' then 'medium'
            else 'low'
        end as final_confidence
    from scoped as s
    left join own_targets as o using (entity_id, domain, service, provider_id, observed_on)
),

final as (
    select distinct on (r.entity_id, r.domain, r.service, r.provider_id, r.observed_on)
        r.entity_id,
        e.name as entity_name,
        e.list_code,
        e.listed_on,
        r.domain,
        r.service,
        r.provider_id,
        r.provider_name,
        r.provider_parent,
        r.provider_country,
        r.final_relationship as relationship,
        r.final_confidence as confidence,
        cast(to_json(list_prepend(
            struct_pack(
                kind := 'domain_link',
                text := e.name || ' → ' || r.linked_domain || ' (' || r.link_method || ', '
                    || r.link_confidence || coalesce(', score ' || round(r.link_score, 2), '') || ')',
                dataset_id := cast(null as integer), date := cast(null as date)),
            cast(r.evidence as struct(kind varchar, "text" varchar, dataset_id integer, "date" date)[])
        )) as varchar) as evidence,
        r.observed_on
    from relabelled as r
    inner join int_entities as e using (entity_id)
    order by r.entity_id, r.domain, r.service, r.provider_id, r.observed_on,
        case r.link_confidence when 'analyst' then 0 when 'high' then 1 when 'medium' then 2 else 3 end,
        r.link_method, r.linked_domain
)

select * from final
