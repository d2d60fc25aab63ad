-- The registrable domains (Public Suffix List, computed at ingest) each certificate names, with
-- the certificate's issuer, subject organisation and validity; precertificate and certificate
-- count once.
-- grain: one row per (cert_id, domain)

create or replace view stg_certificate_domains as
with certs as (
    select
        cert_id,
        any_value(issuer_o) as issuer_o,
        any_value(issuer_cn) as issuer_cn,
        any_value(subject_o) as subject_o,
        min(not_before) as not_before,
        max(not_after) as not_after,
        min(entry_time) as first_logged,
        list_distinct(flatten(list(domains))) as domains,
        len(list_distinct(flatten(list(domains)))) as domain_count,
        min(crtsh_id) as crtsh_id,
        min(fingerprint_sha256) as fingerprint_sha256,
        max(dataset_id) as dataset_id
    from stg_certificates
    group by cert_id
),

final as (
    select
        cert_id,
        unnest(domains) as domain,
        issuer_o,
        issuer_cn,
        subject_o,
        not_before,
        not_after,
        first_logged,
        domain_count,
        crtsh_id,
        fingerprint_sha256,
        dataset_id
    from certs
)

select * from final
