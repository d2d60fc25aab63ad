-- The provider catalog, loaded by analyzer/catalog.py whenever its files change: the hand-curated
-- datasets/providers.yaml and providers.d/*.yaml merged with the peer-derived providers.d/peers/*.yaml
-- (hand-curated wins). `source`/`sources` name the catalog file(s) a row came from.
-- grain: catalog_providers one row per provider_id; the others one row per listed fact.

create table if not exists catalog_providers (
    provider_id varchar primary key,
    name        varchar not null,
    parent      varchar not null,     -- the company that owns it: "Amazon", "Alphabet", ...
    country     varchar,              -- headquarters, ISO 3166 alpha-2
    kinds       varchar[],            -- cloud, cdn, dns, email, email_gateway, ca, saas, ...
    source_url  varchar,              -- where the facts below come from
    sources     varchar[],            -- catalog files of the entry, relative to datasets/
    peer_names  varchar[]             -- the peer projects' own names for the provider
);

create table if not exists catalog_asns (
    provider_id varchar not null,
    asn         bigint not null,
    source      varchar               -- catalog file, relative to datasets/
);

create table if not exists catalog_hostnames (
    provider_id  varchar not null,
    service      varchar not null,    -- web_hosting, cdn, email, email_sending, dns_hosting, verification
    pattern      varchar not null,    -- a domain suffix ("cloudfront.net") or a regex (match_kind = regex)
    match_kind   varchar not null,    -- suffix | regex
    relationship varchar not null,    -- customer | gateway | verification_only | via_intermediary
    source       varchar,             -- catalog file, relative to datasets/ (peers/... = peer-derived)
    waf          boolean              -- the namespace is a web application firewall's (service cdn)
);

create table if not exists catalog_ca_names (
    provider_id varchar not null,
    pattern     varchar not null      -- matched case-insensitively as a word inside the issuer O or CN
);

create table if not exists catalog_verification (
    provider_id varchar not null,
    prefix      varchar not null,     -- start of the TXT value: "ms=", "google-site-verification="
    service     varchar not null      -- the service the token verifies an account for
);

-- databases created before these columns existed (the catalog is reloaded, see LOADER_VERSION)
alter table catalog_providers add column if not exists sources varchar[];
alter table catalog_providers add column if not exists peer_names varchar[];
alter table catalog_asns add column if not exists source varchar;
alter table catalog_hostnames add column if not exists source varchar;
alter table catalog_hostnames add column if not exists waf boolean;
