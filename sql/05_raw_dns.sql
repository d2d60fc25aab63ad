-- DNS resource records as loaded from any snapshot format (OpenINTEL, Rapid7 FDNS, zone file, CSV).
-- Names are normalised at ingest: lowercase, no trailing dot, IDNA (punycode).
-- grain: one row per (dataset_id, name, rtype, value) observed on a date; a CNAME chain is one row per hop.

create table if not exists raw_dns_records (
    dataset_id  integer not null,
    observed_on date not null,
    name        varchar not null,   -- the owner name (query name)
    rtype       varchar not null,   -- A, AAAA, CNAME, MX, NS, TXT, SOA, ...
    value       varchar not null,   -- A/AAAA: address text; CNAME/MX/NS: target name; TXT: the text
    preference  integer,            -- MX preference
    ttl         integer
);

-- The names whose records the stored attribution was computed from (int_entity_dns_scope, written
-- by `analyzer attribute` only). grain: one row per name
create table if not exists attr_scope_names (
    name    varchar not null
);
