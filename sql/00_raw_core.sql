-- Core tables: provenance of every loaded file and the rows it rejected or warned about.
-- grain (datasets): one row per loaded file; (load_issues): one row per reported problem.

create sequence if not exists dataset_id_seq start 1;

create table if not exists datasets (
    dataset_id      integer primary key default nextval('dataset_id_seq'),
    kind            varchar not null,    -- csl, watchlist, ranges, pfx2as, ip2asn, as2org, dns, ct
    format          varchar not null,    -- detected format within the kind
    source          varchar not null,    -- path or URL the bytes came from
    sha256          varchar not null,
    bytes           bigint not null,
    snapshot_date   date,                -- date the data describes (not when it was loaded)
    date_source     varchar,             -- how snapshot_date was found: option, content, file_name,
                                         -- soa_serial, records, file_mtime (a guess); see ingest/base.py
    loaded_at       timestamp not null default current_timestamp,
    rows_loaded     bigint not null default 0,
    rows_rejected   bigint not null default 0,
    warnings        bigint not null default 0,
    label           varchar,             -- provider id, DNS source name, list code: kind-specific
    status          varchar not null default 'loaded'
);

create table if not exists load_issues (
    dataset_id  integer not null,
    line        bigint,                  -- 1-based line or record number in the file, when known
    severity    varchar not null,        -- rejected | warning
    message     varchar not null
);

-- Key/value state of the database: schema_version, and digests of the applied sql/ files, the
-- provider catalog and the Public Suffix List (written by the analyzer, which creates it first).
create table if not exists analyzer_meta (
    key     varchar primary key,
    value   varchar
);
