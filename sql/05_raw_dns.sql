-- DNS resource records as loaded from any snapshot format (OpenINTEL, Rapid7 FDNS, zone file, CSV).
-- Names are normalised at ingest: lowercase, no trailing dot, IDNA (punycode); the root name (the
-- owner of the root zone's SOA, NS, DNSKEY) is stored as '.', never as ''.
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

-- The rules every DNS format's records pass at ingest (analyzer/dns/normalize.py composes them with
-- dns_name(), a temporary macro around the Python IDNA function for the rare non-ASCII name).
-- grain of the macros: scalars.

-- Record types whose value is a host name, normalised like owner names.
create or replace macro dns_is_name_valued(rtype) as
    rtype in ('CNAME', 'NS', 'MX', 'PTR', 'DNAME', 'SRV');

-- The owner name of a record: the root written as '.' stays '.' (dns_name would make it '').
create or replace macro dns_owner(raw, normalized) as
    case when raw = '.' then '.' else normalized end;

-- What is wrong with a normalised name (null when nothing is).
create or replace macro dns_name_problem(n) as
    case
        when n = '.' then null
        when n is null then 'is not a valid internationalised name'
        when n = '' then 'is empty'
        when strlen(n) > 253 then 'is over 253 characters'
        when starts_with(n, '.') or contains(n, '..') then 'has an empty label'
        when contains(n, ' ') then 'contains a space'
        -- NUL and ESC (terminal escapes) and the markup openers '<' '[': never in a host name.
        -- (four contains() cost a quarter of one regular expression over 20 M names)
        when contains(n, chr(0)) or contains(n, chr(27)) or contains(n, '<') or contains(n, '[')
            then 'contains a control or markup character'
        when strlen(n) > 63 and regexp_matches(n, '[^.]{64}') then 'has a label over 63 characters'
    end;

-- An MX value may carry its preference: "10 mx.example.com." gives {pref: '10', host: 'mx.example.com.'}.
create or replace macro dns_mx_parts(rtype, value, preference) as
    case
        when rtype = 'MX' and preference is null
            then regexp_extract(value, '^(\d+)\s+(\S+)$', ['pref', 'host'])
    end;

-- The value of a record whose value is not a host name: AAAA lowercase, SOA names without their
-- trailing dots, a quoted TXT/SPF string unquoted (adjacent strings joined), anything else as is.
create or replace macro dns_text_value(rtype, value) as
    case
        when rtype = 'AAAA' then lower(value)
        when rtype = 'SOA' then regexp_replace(lower(value), '\.(\s|$)', '\1', 'g')
        when rtype in ('TXT', 'SPF') and starts_with(value, '"') and ends_with(value, '"')
            then replace(regexp_replace(value[2:-2], '"\s+"', '', 'g'), '\"', '"')
        else value
    end;

-- An address value that is not one: A needs four octets 0-255, AAAA hex groups with colons
-- (an optional dotted IPv4 tail); the attribution would find no range for anything else.
create or replace macro dns_address_problem(rtype, value) as
    case
        when rtype = 'A' and not regexp_full_match(
                value, '(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}')
            then 'is not an IPv4 address'
        when rtype = 'AAAA' and not (
                length(value) between 2 and 45
                and regexp_full_match(value, '[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}(:\d{1,3}(\.\d{1,3}){3})?'))
            then 'is not an IPv6 address'
    end;

-- A value echoed in a message: at most 80 characters, an ellipsis marking a cut.
create or replace macro dns_shown(x) as
    case when length(x) > 80 then left(x, 79) || '…' else x end;

-- Why a record is rejected (null when it is kept), from its raw and normalised name and value.
create or replace macro dns_record_problem(raw_name, rtype, raw_value, name, value) as
    case
        when raw_name is null or rtype is null or rtype = '' or raw_value is null
            then 'malformed record: name, type or value missing'
        when dns_name_problem(name) is not null
            then 'name ' || dns_shown(coalesce(raw_name, '')) || ' ' || dns_name_problem(name)
        when dns_is_name_valued(rtype) and dns_name_problem(value) is not null
            then rtype || ' target ' || dns_shown(raw_value) || ' ' || dns_name_problem(value)
        when dns_address_problem(rtype, value) is not null
            then rtype || ' value ' || dns_shown(raw_value) || ' ' || dns_address_problem(rtype, value)
    end;
