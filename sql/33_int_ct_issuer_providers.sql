-- The CA company behind each certificate issuer, from the catalog's ca_names: a pattern matches
-- as a whole word, case-insensitively, inside the issuer O (preferred) or CN; among several
-- matches the longest pattern wins ("Google Trust Services" over "Google"). Brands map to their
-- owner through the catalog (GeoTrust, Thawte, RapidSSL -> DigiCert; "GTS CA 1P5" -> Google).
-- grain: one row per distinct (issuer_o, issuer_cn) among loaded certificates

create or replace view int_ct_issuer_providers as
with issuers as (
    select distinct
        issuer_o,
        issuer_cn
    from stg_certificates
),

patterns as (
    select
        provider_id,
        pattern,
        '(^|[^[:alnum:]])'
        || regexp_replace(lower(pattern), '([.^$|()\[\]{}*+?\\])', '\\\1', 'g')
        || '($|[^[:alnum:]])' as regex
    from catalog_ca_names
),

matches as (
    select
        i.issuer_o,
        i.issuer_cn,
        p.provider_id,
        p.pattern,
        case
            when regexp_matches(lower(coalesce(i.issuer_o, '')), p.regex) then 'issuer_o'
            else 'issuer_cn'
        end as matched_on
    from issuers as i
    inner join patterns as p
        on regexp_matches(lower(coalesce(i.issuer_o, '')), p.regex)
        or regexp_matches(lower(coalesce(i.issuer_cn, '')), p.regex)
),

final as (
    select
        m.issuer_o,
        m.issuer_cn,
        m.provider_id,
        m.pattern,
        m.matched_on
    from matches as m
    qualify row_number() over (
        partition by m.issuer_o, m.issuer_cn
        order by m.matched_on = 'issuer_o' desc, length(m.pattern) desc, m.provider_id
    ) = 1
)

select * from final
