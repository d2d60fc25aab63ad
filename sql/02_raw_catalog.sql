-- The provider catalog (datasets/providers.yaml), loaded by analyzer/catalog.py whenever the file changes.
-- grain: catalog_providers one row per provider_id; the others one row per listed fact.

create table if not exists catalog_providers (
    provider_id varchar primary key,
    name        varchar not null,
    parent      varchar not null,     -- the company that owns it: "Amazon", "Alphabet", ...
    country     varchar,              -- headquarters, ISO 3166 alpha-2
    kinds       varchar[],            -- cloud, cdn, dns, email, email_gateway, ca, saas, ...
    source_url  varchar               -- where the facts below come from
);

create table if not exists catalog_asns (
    provider_id varchar not null,
    asn         bigint not null
);

create table if not exists catalog_hostnames (
    provider_id  varchar not null,
    service      varchar not null,    -- web_hosting, cdn, email, email_sending, dns_hosting, verification
    pattern      varchar not null,    -- a domain suffix ("cloudfront.net") or a regex (match_kind = regex)
    match_kind   varchar not null,    -- suffix | regex
    relationship varchar not null     -- customer | gateway | verification_only | via_intermediary
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
