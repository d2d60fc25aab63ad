-- The DNS snapshot dates on which each listed company's names have records, per service: the time
-- axis of attr_entity_timeline (snapshots_total, ongoing) and attr_changes. The company's names are
-- its linked domains and the names whose registrable domain is one of them: the names its
-- attr_entity_services rows can be about. A snapshot counts for a service when it holds a record of
-- a type the service is observed through (A, AAAA or CNAME for web_hosting and cdn, MX for email,
-- TXT for email_sending, NS for dns_hosting), so a zone file holding only a domain's NS records, or
-- an FDNS dump of A records only, neither ends nor continues a mail provider's run.
-- tls_ca has no DNS axis: certificates are dated by their validity (sql/57).
-- grain: one row per (entity_id, service, observed_on)

create or replace view int_entity_dns_snapshots as
with service_types (service, rtype) as (
    values
        ('web_hosting', 'A'),
        ('web_hosting', 'AAAA'),
        ('web_hosting', 'CNAME'),
        ('cdn', 'A'),
        ('cdn', 'AAAA'),
        ('cdn', 'CNAME'),
        ('email', 'MX'),
        ('email_sending', 'TXT'),
        ('dns_hosting', 'NS')
),

links as (
    select distinct
        entity_id,
        domain
    from int_entity_domains
),

names as (
    select
        observed_on,
        name,
        rtype,
        count(*) as records
    from stg_dns_records
    group by observed_on, name, rtype
),

-- the registrable domain as a column first: a join on the macro itself would not be a hash join
named as (
    select
        *,
        registrable_domain(name) as registrable
    from names
),

-- two equi-joins rather than one join on `a or b`, which would compare every pair; a name that is
-- both (a linked sub.x.com beside a linked x.com) counts once
owned as (
    select
        l.entity_id,
        n.observed_on,
        n.name,
        n.rtype,
        n.records
    from named as n
    inner join links as l on l.domain = n.registrable
    union
    select
        l.entity_id,
        n.observed_on,
        n.name,
        n.rtype,
        n.records
    from named as n
    inner join links as l on l.domain = n.name
),

final as (
    select
        o.entity_id,
        t.service,
        o.observed_on,
        sum(o.records) as records
    from owned as o
    inner join service_types as t on t.rtype = o.rtype
    group by o.entity_id, t.service, o.observed_on
)

select * from final
