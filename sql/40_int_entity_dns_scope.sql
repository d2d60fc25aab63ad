-- The DNS names that matter to watchlist entities: every name under a domain linked to an entity
-- (the domain and every name below it: www., mail hosts, _spf., selector._domainkey.), then, hop
-- by hop, the CNAME, MX and NS targets and SPF include:/redirect= targets they lead to (17 hops
-- at most, as int_name_chains). `analyzer attribute` stores these names in
-- attr_scope_names and computes attr_entity_services from their records only.
-- With `set variable dns_scope_seeds = ['www.x.com', ...]` the walk starts from those names instead
-- of the entities' (`analyzer lookup HOSTNAME` uses it to answer from a few records, not the snapshot).
-- grain: one row per name

create or replace view int_entity_dns_scope as
with recursive linked as (
    select domain from int_entity_domains
    union
    select registrable_domain(domain) as domain
    from int_entity_domains
    where registrable_domain(domain) is not null
),

-- a name is under a linked domain of k labels when its last k labels are that domain: one hash
-- join per distinct k (2 for x.com, 3 for x.co.uk), no per-name PSL work on the whole snapshot
label_counts as (
    select distinct len(string_split(domain, '.')) as k
    from linked
),

seeds as (
    select distinct r.name
    from stg_dns_records as r, label_counts as c
    where getvariable('dns_scope_seeds') is null
        and array_to_string(string_split(r.name, '.')[-c.k:], '.') in (select domain from linked)
    union
    select unnest(cast(getvariable('dns_scope_seeds') as varchar[])) as name
),

-- Each hop reads the records of the names found by the one before, as a semi join, so the hash
-- table is built on those few names: as an inner join DuckDB, which cannot estimate a recursive
-- term, built it on the snapshot's records at every hop (3 s a hop at 20 M records). Every name of
-- a hop has the same depth (the working table holds one hop), hence max(depth).
walk (name, depth) as (
    select
        name,
        0
    from seeds

    union

    select
        unnest(case
            when r.rtype in ('CNAME', 'MX', 'NS') then [r.value]
            when r.rtype = 'TXT' and lower(r.value) like 'v=spf1%' then list_transform(
                regexp_extract_all(lower(r.value), '(?:include:|redirect=)([^ ]+)', 1),
                lambda t: trim(t, '.')
            )
            else []::varchar[]
        end) as name,
        (select max(depth) from walk) + 1 as depth
    from stg_dns_records as r
    where r.name in (select name from walk)
        and (select max(depth) from walk) < 17
),

final as (
    select distinct name
    from walk
)

select * from final
