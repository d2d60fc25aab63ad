-- Watchlist entries as loaded: the Consolidated Screening List and users' own lists.
-- grain (raw_entities): one row per (dataset_id, entry_key); names and domains hang off it.

create table if not exists raw_entities (
    dataset_id              integer not null,
    entry_key               varchar not null,   -- stable id: CSL _id, else a hash of the entry
    line                    bigint,
    list_code               varchar not null,   -- EL, MEU, SDN, ... or the user list's code
    source                  varchar not null,   -- the list's full name as published
    entity_type             varchar,
    name                    varchar not null,
    alt_names               varchar[],
    addresses               varchar[],
    countries               varchar[],          -- ISO 3166 alpha-2 codes, from addresses or the list
    programs                varchar[],
    listed_on               date,
    ended_on                date,
    federal_register_notice varchar,    -- verbatim
    fr_citations            varchar[],          -- parsed: ["83 FR 37423", "87 FR 77505"]
    source_list_url         varchar,
    source_information_url  varchar,
    remarks                 varchar
);

create table if not exists raw_entity_names (
    dataset_id  integer not null,
    entry_key   varchar not null,
    name        varchar not null,
    name_kind   varchar not null,   -- primary | alias
    normalized  varchar not null    -- names.normalize_name(): casefolded, no accents/punctuation/legal forms
);

create table if not exists raw_entity_domains (
    dataset_id  integer not null,
    entry_key   varchar not null,
    domain      varchar not null,
    source_note varchar
);
