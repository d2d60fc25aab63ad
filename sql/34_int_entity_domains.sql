-- Which domains belong to which watchlist entity, with the best evidence for each pair:
--   analyst    an analyst's `link` (confidence 'analyst', outranks everything)
--   watchlist  named in a user watchlist (confidence 'high')
--   certificate_organization  a certificate whose subject O, or an organisation identity crt.sh
--              listed for it (stg_certificate_orgs), matched the entity's name or an alias
--              (ct_entity_matches: 'high' = same significant tokens, 'medium' = fuzzy >= threshold)
--   certificate_cooccurrence  named in a certificate together with an already-linked domain
--              (confidence 'low'; certificates naming more than getvariable('ct_max_cert_domains'),
--              default 10, registrable domains are shared hosting certificates and are ignored)
-- An analyst's `unlink` (their latest decision for the pair) removes the pair from every method.
-- grain: one row per (entity_id, domain)

create or replace view int_entity_domains as
with decisions as (
    select
        entity_id,
        domain,
        arg_max(decision, decision_id) as decision,
        arg_max(note, decision_id) as note,
        max(decided_at) as decided_at
    from ct_analyst_decisions
    group by all
),

unlinked as (
    select
        entity_id,
        domain
    from decisions
    where decision = 'unlink'
),

analyst as (
    select
        d.entity_id,
        d.domain,
        'analyst' as method,
        'analyst' as confidence,
        null::double as score,
        null::varchar as matched_name,
        json_object('decision', 'link', 'note', d.note, 'decided_at', d.decided_at)::varchar as evidence,
        0 as rank
    from decisions as d
    semi join int_entities as e using (entity_id)
    where d.decision = 'link'
),

watchlist as (
    select
        k.entity_id,
        k.domain,
        'watchlist' as method,
        'high' as confidence,
        null::double as score,
        null::varchar as matched_name,
        json_object('source_note', k.source_note, 'dataset_id', k.dataset_id)::varchar as evidence,
        1 as rank
    from int_entity_known_domains as k
),

org_certs as (
    select
        m.entity_id,
        c.domain,
        m.confidence,
        m.score,
        m.matched_name,
        m.subject_o,
        o.origin,
        o.query,
        c.cert_id,
        c.crtsh_id,
        c.not_before,
        c.not_after
    from ct_entity_matches as m
    inner join stg_certificate_orgs as o on o.subject_o = m.subject_o
    inner join stg_certificate_domains as c on c.cert_id = o.cert_id
),

by_organization as (
    select
        entity_id,
        domain,
        'certificate_organization' as method,
        arg_max(confidence, score) as confidence,
        max(score) as score,
        arg_max(matched_name, score) as matched_name,
        json_object(
            'subject_o', arg_max(subject_o, score),
            'subject_o_from', arg_max(origin, score),
            'queries', list(distinct query order by query) filter (where query is not null),
            'certificates', count(distinct cert_id),
            'cert_ids', (list(distinct cert_id order by cert_id))[1:5],
            'crtsh_ids', (list(distinct crtsh_id order by crtsh_id) filter (where crtsh_id is not null))[1:5],
            'first_not_before', min(not_before),
            'last_not_after', max(not_after)
        )::varchar as evidence,
        case when arg_max(confidence, score) = 'high' then 2 else 3 end as rank
    from org_certs
    group by entity_id, domain
),

seeds as (
    select
        w.entity_id,
        coalesce(n.domain, w.domain) as domain
    from (
        select entity_id, domain from analyst
        union
        select entity_id, domain from watchlist
        union
        select entity_id, domain from by_organization
    ) as w
    left join ct_name_domains as n on n.name = w.domain
    anti join unlinked as u on u.entity_id = w.entity_id and u.domain = w.domain
),

seed_certs as (
    select
        s.entity_id,
        s.domain as seed,
        c.cert_id
    from seeds as s
    inner join stg_certificate_domains as c on c.domain = s.domain
    where c.domain_count <= coalesce(getvariable('ct_max_cert_domains')::integer, 10)
),

cooccurrence as (
    select
        sc.entity_id,
        c.domain,
        'certificate_cooccurrence' as method,
        'low' as confidence,
        null::double as score,
        null::varchar as matched_name,
        json_object(
            'linked_domains', list(distinct sc.seed order by sc.seed),
            'certificates', count(distinct c.cert_id),
            'cert_ids', (list(distinct c.cert_id order by c.cert_id))[1:5],
            'crtsh_ids', (list(distinct c.crtsh_id order by c.crtsh_id) filter (where c.crtsh_id is not null))[1:5]
        )::varchar as evidence,
        4 as rank
    from seed_certs as sc
    inner join stg_certificate_domains as c using (cert_id)
    where c.domain <> sc.seed
    group by sc.entity_id, c.domain
),

candidates as (
    select * from analyst
    union all
    select * from watchlist
    union all
    select * from by_organization
    union all
    select * from cooccurrence
),

final as (
    select
        c.entity_id,
        c.domain,
        c.method,
        c.confidence,
        c.score,
        c.matched_name,
        c.evidence
    from candidates as c
    anti join unlinked as u on u.entity_id = c.entity_id and u.domain = c.domain
    qualify row_number() over (
        partition by c.entity_id, c.domain
        order by c.rank, c.score desc nulls last, c.method
    ) = 1
)

select * from final
