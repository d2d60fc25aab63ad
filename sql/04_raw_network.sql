-- Network attribution data as loaded: published provider ranges, routed prefixes with their origin
-- ASNs, AS organisations, and the flattened (disjoint) intervals built from them once at ingest.
-- Addresses are integers: family 4 or 6 plus a uhugeint value (IPv4 in 0 .. 2^32-1).
-- grain (raw_ranges): one row per published prefix entry (a prefix listed under two services is two rows);
-- (raw_routes): one row per routed prefix of a pfx2as/pyasn/ip2asn file; (raw_as_orgs): one row per
-- (dataset_id, asn); (net_range_sets): one row per range set; (net_range_intervals): one row per
-- (set_id, disjoint interval); (net_route_intervals): one row per (dataset_id, disjoint interval).

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

-- The published-range files in effect together over a span of observation dates (a "range set",
-- see stg_range_sets in sql/18), numbered once when the set first appears; rebuilt by every
-- `ingest ranges` (analyzer/network/ranges.py): new sets get intervals, gone sets lose theirs.
create table if not exists net_range_sets (
    set_id      integer not null,
    set_key     varchar not null       -- the members 'dataset_id:family', sorted, comma-joined
);

-- Disjoint intervals of each range set: the most specific published range owns each address
-- (its provider, service, region, prefix); `covering` keeps every published range of the set that
-- covers the interval, most specific first (a GitHub range inside an Azure range is both).
create table if not exists net_range_intervals (
    set_id      integer not null,
    family      tinyint not null,
    lo          uhugeint not null,
    hi          uhugeint not null,
    dataset_id  integer not null,
    provider_id varchar not null,
    service     varchar,               -- of the most specific range of the provider that has one
    region      varchar,               -- likewise: an Azure service tag without a region takes its AzureCloud's
    prefix      varchar not null,
    covering    struct(
        provider_id varchar, service varchar, region varchar, detail varchar, prefix varchar,
        dataset_id integer, date date, generic boolean
    )[] not null
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
