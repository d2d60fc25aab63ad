-- Network attribution data as loaded: published provider ranges, routed prefixes with their origin
-- ASNs, AS organisations, and the flattened (disjoint) intervals built from them once at ingest.
-- Addresses are integers: family 4 or 6 plus a uhugeint value (IPv4 in 0 .. 2^32-1).
-- grain (raw_ranges): one row per published prefix entry (a prefix listed under two services is two rows);
-- (raw_routes): one row per routed prefix of a pfx2as/pyasn/ip2asn file; (raw_as_orgs): one row per
-- (dataset_id, asn); (net_*_intervals): one row per disjoint address interval.

create table if not exists raw_ranges (
    dataset_id  integer not null,
    line        bigint,                -- line (text formats) or entry number (JSON) in the file
    provider_id varchar not null,      -- catalog provider id
    service     varchar,               -- AWS service, Google service, Azure systemService, Oracle tag, ...
    region      varchar,               -- AWS region, Google scope, Azure region, Oracle region, geofeed region
    detail      varchar,               -- AWS network_border_group, Azure tag name, geofeed city, ...
    generic     boolean not null,      -- a provider-wide superset entry (AWS AMAZON, AzureCloud, goog.json)
    prefix      varchar not null,      -- as published
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null
);

create table if not exists raw_routes (
    dataset_id  integer not null,
    line        bigint not null,
    prefix      varchar not null,      -- 'a.b.c.d/len', or 'start-end' for ip2asn ranges
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null,
    origin      varchar,               -- origin field as published ('1_2', '3,4', '0' for not routed)
    origin_asns bigint[] not null      -- every origin ASN: multi-origin and AS-set members, in order
);

create table if not exists raw_as_orgs (
    dataset_id  integer not null,
    asn         bigint not null,
    as_name     varchar,               -- the AS handle, e.g. AMAZON-02
    org_id      varchar,
    org_name    varchar,               -- the organisation, e.g. Amazon.com, Inc.
    country     varchar,               -- ISO 3166 alpha-2
    source      varchar                -- caida | pyasn_asnames | ip2asn (lower rank is a weaker name source)
);

-- Disjoint intervals of the current published ranges (latest file per provider, format and family),
-- rebuilt in the same transaction by every `ingest ranges`: the most specific range owns each address.
create table if not exists net_range_intervals (
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null,
    dataset_id  integer not null,
    provider_id varchar not null,
    service     varchar,
    region      varchar,
    prefix      varchar not null
);

-- Disjoint intervals of each routing file (longest prefix wins), built once when the file is loaded.
create table if not exists net_route_intervals (
    dataset_id  integer not null,
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null,
    prefix      varchar not null,
    origin_asns bigint[] not null
);

-- Which address families each network file covers, to pick the current file per family cheaply.
create table if not exists net_dataset_families (
    dataset_id  integer not null,
    family      tinyint not null,
    rows        bigint not null,
    provider_id varchar                -- ranges: the provider the file is about; routes: null
);

-- Scratch input of the net_flatten() macro; filled and emptied inside one ingest transaction.
create table if not exists net_flat_input (
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null,
    ref         bigint not null
);
