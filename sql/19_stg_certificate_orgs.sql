-- The organisation names of each certificate that an entity name can match: its subject O, and the
-- organisation identities crt.sh listed for it (subject_o_candidates: what an organisation search
-- matched, trimmed at ingest), each with the query that produced the file (the dataset label, e.g.
-- "O=PayPal", when the file was loaded with one).
-- grain: one row per (cert_id, subject_o)

create or replace view stg_certificate_orgs as
with named as (
    select
        c.cert_id,
        c.subject_o,
        'subject' as origin,
        c.dataset_id
    from stg_certificates as c
    where c.subject_o is not null

    union all

    select
        c.cert_id,
        unnest(c.subject_o_candidates) as subject_o,
        'crtsh_identity' as origin,
        c.dataset_id
    from stg_certificates as c
    where c.subject_o_candidates is not null
),

final as (
    select
        n.cert_id,
        n.subject_o,
        min(n.origin) as origin,  -- 'crtsh_identity' < 'subject': any identity crt.sh listed
        max(d.label) filter (where n.origin = 'crtsh_identity') as query,
        max(n.dataset_id) as dataset_id
    from named as n
    left join datasets as d using (dataset_id)
    where n.subject_o <> ''
    group by n.cert_id, n.subject_o
)

select * from final
