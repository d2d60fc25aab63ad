-- Certificate transparency: certificates as loaded, lookup caches filled at ingest, the matches of
-- certificate organisations to watchlist entities, and analysts' link/unlink decisions.
-- grain (raw_certificates): one row per certificate or precertificate entry of a loaded file;
-- (ct_name_domains): one row per distinct certificate name; (ct_org_names): one row per distinct
-- subject organisation; (ct_entity_matches): one row per (entity_id, subject_o) that matched;
-- (ct_analyst_decisions): one row per decision, the latest per (entity_id, domain) counts;
-- (raw_certificate_chains): one row per CA certificate that came after a leaf in a bundle or scan;
-- (raw_ssl_observations): one row per scan of an address (Rapid7 Sonar SSL) that served a leaf;
-- macros ct_dn_value, ct_is_dns_name: scalars; ct_staged_names: one row per raw name of a staged
-- record; ct_certificate_rows: one row per staged record; ct_chain_rows: one row per staged chain
-- certificate; ct_match_candidates: one row per pair.

create table if not exists raw_certificates (
    dataset_id          integer not null,
    line                bigint,              -- record number in the file (1-based)
    source_format       varchar not null,    -- crtsh_json, crtsh_csv, get_entries, pem, der, sonar_ssl
    crtsh_id            bigint,              -- crt.sh certificate id (one per precert and per cert)
    issuer_ca_id        bigint,              -- crt.sh CA id
    fingerprint_sha256  varchar,             -- of the DER bytes, when the bytes were loaded
    serial              varchar,             -- lowercase hex, no leading zeros; null in older crt.sh
                                             -- exports (no serial_number field): see stg_certificates
    issuer_dn           varchar,
    issuer_o            varchar,
    issuer_cn           varchar,
    subject_dn          varchar,
    subject_o           varchar,
    subject_cn          varchar,
    subject_c           varchar,
    -- organisation names crt.sh listed among the certificate's identities (name_value lines that are
    -- not DNS names, e-mail addresses or IPs: what an O= search matched); matched like subject_o
    subject_o_candidates varchar[],
    names               varchar[],           -- valid DNS names (SANs, then subject CN), lowercase
    domains             varchar[],           -- registrable domains of `names` (Public Suffix List)
    not_before          timestamp,
    not_after           timestamp,
    is_precert          boolean,             -- null when the source does not say (crt.sh JSON)
    entry_time          timestamp            -- when the log accepted it
);

-- The CA certificates that came with a leaf (a PEM bundle's chain, a scan's served chain): issuers
-- of the leaf, never subjects of their own rows. The leaf is raw_certificates (dataset_id, line).
create table if not exists raw_certificate_chains (
    dataset_id              integer not null,
    line                    bigint not null,     -- raw_certificates.line of the leaf
    leaf_fingerprint_sha256 varchar,
    position                integer not null,    -- 1 = the certificate after the leaf, 2 = the next, ...
    fingerprint_sha256      varchar,
    serial                  varchar,
    subject_dn              varchar,
    subject_o               varchar,
    subject_cn              varchar,
    issuer_dn               varchar,
    not_before              timestamp,
    not_after               timestamp,
    is_ca                   boolean              -- basicConstraints cA (null: no basicConstraints)
);

-- What a TLS scan saw on an address (Rapid7 Project Sonar SSL: one JSON line per host_ip:port):
-- "this address served a certificate for O=..., names ..." on that date, with no DNS involved.
-- The certificate is the raw_certificates row (dataset_id, line); see int_ssl_observations.
create table if not exists raw_ssl_observations (
    dataset_id              integer not null,
    line                    bigint not null,     -- the scan's line in the file
    host_ip                 varchar not null,    -- the scanned address, as written
    port                    integer,
    host_name               varchar,             -- the name the scanner sent, when it says (null in Sonar)
    observed_at             timestamp,           -- contact_time, UTC
    ssl_version             varchar,
    cipher                  varchar,
    leaf_fingerprint_sha256 varchar,             -- of the certificate the address served
    chain_length            integer              -- certificates served, the leaf included
);

-- The CT copy of the PSL rules, replaced by public_suffixes (sql/03): gone from older databases.
drop table if exists ct_psl_rules;
delete from analyzer_meta where key = 'ct_psl_digest';
-- int_entity_tls_ca was removed (the tls_ca rows of attr_entity_services name the CAs).
drop view if exists int_entity_tls_ca;

-- name -> registrable domain (eTLD+1), computed once per distinct name by registrable_domain()
-- (sql/03); emptied when the PSL file changes. Unique by construction (only names not present are
-- added); no primary key: its index costs more than the whole computation on a bulk load.
create table if not exists ct_name_domains (
    name        varchar not null,
    domain      varchar                      -- null for a bare public suffix
);

-- The value of one attribute of a distinguished name as crt.sh renders it ("C=US, O=Let's Encrypt,
-- CN=R3"; a value holding commas is quoted, an inner quote doubled); null when absent or empty.
-- Used at ingest, once per distinct issuer DN.
create or replace macro ct_dn_value(dn, attr) as (
    list_transform(
        [regexp_extract(dn, '(?:^|, )' || attr || '=("(?:[^"]|"")*"|[^,]*)', 1)],
        lambda raw: nullif(trim(if(starts_with(raw, '"'), replace(raw[2:-2], '""', '"'), raw)), '')
    )[1]
);

-- Whether a certificate name is a DNS name (lowercase; a leading "*." allowed): names that are not
-- (spaces, HTML, IP addresses, e-mail addresses crt.sh lists among the names) are dropped at ingest.
create or replace macro ct_is_dns_name(name) as
    regexp_full_match(name, '^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9-]*[a-z][a-z0-9-]*$');

-- The names of staged certificates (analyzer/ct/ingest.py's `_ct_stage`, a list `raw_names` per
-- record `k`) in long form, one row per raw name, with `ok` when it is a DNS name: validation, the
-- registrable-domain cache and re-aggregation are then plain column operations.
create or replace macro ct_staged_names(stage) as table
with raw as (
    select
        k,
        crtsh_id,
        line,
        trim(unnest(raw_names)) as raw,
        generate_subscripts(raw_names, 1) as pos
    from query_table(stage)
),

final as (
    select
        k,
        crtsh_id,
        line,
        raw,
        pos,
        lower(raw) as name,
        ct_is_dns_name(lower(raw)) as ok
    from raw
    where raw is not null and raw <> ''
)

select * from final;

-- The raw_certificates rows of dataset `for_dataset` from staged certificates (`stage`) and their
-- names in long form (`staged_names`, from ct_staged_names): valid names and their registrable domains (ct_name_domains) per
-- certificate, the issuer O and CN parsed once per distinct issuer DN when the format did not give
-- them.
create or replace macro ct_certificate_rows(stage, staged_names, for_dataset) as table
with issuers as (
    select
        issuer_dn,
        ct_dn_value(issuer_dn, 'O') as issuer_o,
        ct_dn_value(issuer_dn, 'CN') as issuer_cn
    from (select distinct issuer_dn from query_table(stage) where issuer_o is null and issuer_cn is null)
),

-- names in the certificate's order, each once (list_distinct would not keep the order, and the
-- order of a parallel aggregation is not fixed); domains in the order of their first name
named as (
    select
        k,
        name,
        min(pos) as pos
    from query_table(staged_names)
    where ok
    group by k, name
),

first_domains as (
    select
        n.k,
        d.domain,
        min(n.pos) as pos
    from named as n
    inner join ct_name_domains as d using (name)
    where d.domain is not null
    group by n.k, d.domain
),

cert_domains as (
    select
        k,
        list(domain order by pos) as domains
    from first_domains
    group by k
),

per_cert as (
    select
        n.k,
        list(n.name order by n.pos) as names,
        coalesce(any_value(c.domains), []) as domains
    from named as n
    left join cert_domains as c using (k)
    group by n.k
),

final as (
    select
        for_dataset as dataset_id,
        coalesce(s.line, s.k) as line,
        s.source_format,
        s.crtsh_id,
        s.issuer_ca_id,
        s.fingerprint_sha256,
        s.serial,
        s.issuer_dn,
        coalesce(s.issuer_o, i.issuer_o) as issuer_o,
        coalesce(s.issuer_cn, i.issuer_cn) as issuer_cn,
        s.subject_dn,
        s.subject_o,
        s.subject_cn,
        s.subject_c,
        s.subject_o_candidates,
        coalesce(p.names, []) as names,
        coalesce(p.domains, []) as domains,
        s.not_before,
        s.not_after,
        s.is_precert,
        s.entry_time
    from query_table(stage) as s
    left join per_cert as p using (k)
    left join issuers as i
        on i.issuer_dn = s.issuer_dn
        and s.issuer_o is null
        and s.issuer_cn is null
)

select * from final;

-- The raw_certificate_chains rows of dataset `for_dataset` from staged chain certificates (`chain`,
-- keyed by the leaf's record `k` in `stage`).
create or replace macro ct_chain_rows(chain, stage, for_dataset) as table
with final as (
    select
        for_dataset as dataset_id,
        coalesce(s.line, s.k) as line,
        s.fingerprint_sha256 as leaf_fingerprint_sha256,
        c.position,
        c.fingerprint_sha256,
        c.serial,
        c.subject_dn,
        c.subject_o,
        c.subject_cn,
        c.issuer_dn,
        c.not_before,
        c.not_after,
        c.is_ca
    from query_table(chain) as c
    inner join query_table(stage) as s using (k)
)

select * from final;

-- subject O -> comparable forms (analyzer.names), computed once per distinct organisation.
create table if not exists ct_org_names (
    subject_o   varchar primary key,
    normalized  varchar not null,            -- names.normalize_name
    match_key   varchar not null,            -- names.match_key: sorted significant tokens
    blocks      varchar[] not null           -- candidate-join keys (token prefixes)
);

-- Candidate (entity name, certificate organisation) pairs for analyzer.ct.match to score: those
-- sharing a block (a token prefix, analyzer.names.match_blocks), so names that share none are never
-- compared. `entity_keys` names a table of (entity_id, name, name_kind, match_key, blocks).
create or replace macro ct_match_candidates(entity_keys) as table
with entity_blocks as (
    select
        entity_id,
        name,
        name_kind,
        match_key,
        unnest(blocks) as block
    from query_table(entity_keys)
    where match_key <> ''
),

org_blocks as (
    select
        subject_o,
        match_key,
        unnest(blocks) as block
    from ct_org_names
    where match_key <> ''
),

final as (
    select distinct
        e.entity_id,
        e.name,
        e.name_kind,
        e.match_key as entity_key,
        o.subject_o,
        o.match_key as org_key
    from entity_blocks as e
    inner join org_blocks as o using (block)
)

select * from final;

-- Which certificate organisations are which entity: recomputed by analyzer.ct.match when the
-- watchlists, the certificates or the threshold change.
create table if not exists ct_entity_matches (
    entity_id       varchar not null,
    subject_o       varchar not null,
    matched_name    varchar not null,        -- the entity name or alias that matched
    name_kind       varchar,                 -- primary | alias
    confidence      varchar not null,        -- high (same significant tokens) | medium (fuzzy)
    score           double not null,         -- 0-100 (rapidfuzz token_sort_ratio of the keys)
    threshold       double not null
);

create sequence if not exists ct_decision_seq start 1;

create table if not exists ct_analyst_decisions (
    decision_id integer primary key default nextval('ct_decision_seq'),
    entity_id   varchar not null,
    domain      varchar not null,
    decision    varchar not null,            -- link | unlink
    note        varchar not null,
    decided_at  timestamp not null default current_timestamp
);
