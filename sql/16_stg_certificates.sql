-- Certificates and precertificates of loaded CT files, one logical certificate per cert_id: a
-- precertificate and its final certificate share the issuer and serial (RFC 6962 §3.1), so
-- cert_id = md5(issuer O | issuer CN | serial) is the same for both, whatever the source format.
-- Older crt.sh exports carry no serial: their certificates are keyed by the crt.sh id instead
-- (stable, but a precertificate and its certificate then count as two), else by the fingerprint.
-- The same entry loaded from two files appears once (from the later file).
-- grain: one row per (cert_id, is_precert, crtsh_id, fingerprint_sha256)

create or replace view stg_certificates as
with loaded as (
    select dataset_id
    from datasets
    where status = 'loaded'
),

keyed as (
    select
        md5(
            lower(coalesce(c.issuer_o, '')) || '|' || lower(coalesce(c.issuer_cn, '')) || '|'
            || coalesce(c.serial, 'crtsh:' || c.crtsh_id::varchar, 'sha256:' || c.fingerprint_sha256)
        ) as cert_id,
        c.*
    from raw_certificates as c
    inner join loaded using (dataset_id)
),

final as (
    select
        cert_id,
        crtsh_id,
        fingerprint_sha256,
        serial,
        issuer_o,
        issuer_cn,
        subject_o,
        subject_cn,
        subject_c,
        subject_o_candidates,
        names as sans,
        domains,
        not_before,
        not_after,
        is_precert,
        entry_time,
        dataset_id,
        issuer_dn,
        subject_dn,
        issuer_ca_id,
        source_format
    from keyed
    qualify row_number() over (
        partition by cert_id, is_precert, crtsh_id, fingerprint_sha256
        order by dataset_id desc, line
    ) = 1
)

select * from final
