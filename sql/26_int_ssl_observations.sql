-- What each scanned address served, from TLS scan data (raw_ssl_observations, Rapid7 Sonar SSL):
-- "this address served a certificate for O=..., names ... on that date". Evidence that needs no DNS
-- record: `analyzer lookup ADDRESS` and `analyzer explain ADDRESS` show it; attributing the address
-- itself is the network capability's work (int_ip_attribution).
-- grain: one row per (dataset_id, line): one scan of one address and port

create or replace view int_ssl_observations as
with loaded as (
    select dataset_id
    from datasets
    where status = 'loaded'
),

final as (
    select
        o.host_ip,
        o.port,
        o.observed_at,
        o.observed_at::date as observed_on,
        c.subject_o,
        c.subject_cn,
        c.names,
        c.domains,
        c.issuer_o,
        c.issuer_cn,
        c.not_before,
        c.not_after,
        o.leaf_fingerprint_sha256,
        o.chain_length,
        o.ssl_version,
        o.host_name,
        o.dataset_id,
        o.line
    from raw_ssl_observations as o
    inner join loaded using (dataset_id)
    inner join raw_certificates as c
        on c.dataset_id = o.dataset_id
        and c.line = o.line
)

select * from final
