-- Macros: IP address text <-> integers, in SQL so that millions of addresses are parsed in bulk.
-- Addresses are (family tinyint, ip uhugeint); IPv4 uses 0 .. 2^32-1. Invalid text gives null.
-- An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address a.b.c.d.
-- net_parsed_prefixes(table) checks the `prefix` column of a staged table at ingest.
-- grain: scalar macros, no rows; net_parsed_prefixes: one row per row of its table

-- Macros that use an argument several times bind it once with a one-element list_transform (a "let"):
-- macro arguments are inlined, and nesting them would otherwise grow the expression exponentially.

-- IPv4 'a.b.c.d' to its integer: null unless exactly four octets 0..255.
create or replace macro net_ip4_int(s) as (
    list_transform([string_split(s, '.')], lambda p:
        case
            when len(p) = 4 then
                (try_cast(p[1] as utinyint)::ubigint << 24)
                | (try_cast(p[2] as utinyint)::ubigint << 16)
                | (try_cast(p[3] as utinyint)::ubigint << 8)
                | try_cast(p[4] as utinyint)::ubigint
        end
    )[1]
);

-- An IPv6 text with an embedded dotted IPv4 tail ('::ffff:1.2.3.4') rewritten with two hex groups.
create or replace macro net_ip6_hex_tail(s) as (
    case
        when not contains(s, '.') then s
        else
            list_transform([net_ip4_int(regexp_extract(s, '[^:]*$'))], lambda v4:
                regexp_replace(s, '[^:]*$', '') || printf('%x:%x', v4 >> 16, v4 & 65535)
            )[1]
    end
);

-- One 16-bit group: 1 to 4 hex digits.
create or replace macro net_hex16(g) as try_cast('0x' || g as usmallint)::ubigint;

-- Eight 16-bit group texts to the 128-bit integer.
create or replace macro net_ip6_from_groups(g) as (
    case
        when len(g) = 8 then
            (((net_hex16(g[1]) << 48) | (net_hex16(g[2]) << 32) | (net_hex16(g[3]) << 16) | net_hex16(g[4]))::uhugeint << 64)
            | ((net_hex16(g[5]) << 48) | (net_hex16(g[6]) << 32) | (net_hex16(g[7]) << 16) | net_hex16(g[8]))::uhugeint
    end
);

-- The groups on either side of '::' (an empty side has none).
create or replace macro net_ip6_side(text) as (
    case when text = '' then []::varchar[] else string_split(text, ':') end
);

-- IPv6 text to its 128-bit integer; at most one '::', and '::' stands for at least one zero group.
create or replace macro net_ip6_int(s) as (
    case
        when length(s) between 2 and 45 and not contains(s, ':::') then
            list_transform([string_split(net_ip6_hex_tail(lower(s)), '::')], lambda halves:
                case
                    when len(halves) = 1 then net_ip6_from_groups(string_split(halves[1], ':'))
                    when len(halves) = 2 then
                        list_transform([[net_ip6_side(halves[1]), net_ip6_side(halves[2])]], lambda ht:
                            case
                                when len(ht[1]) + len(ht[2]) <= 7 then
                                    net_ip6_from_groups(list_concat(
                                        ht[1],
                                        list_transform(range(8 - len(ht[1]) - len(ht[2])), lambda x: '0'),
                                        ht[2]
                                    ))
                            end
                        )[1]
                end
            )[1]
    end
);

-- Family of an address text: 4, 6, or null when it is not an address (mapped IPv6 counts as 4).
create or replace macro net_family(s) as (
    case
        when not contains(s, ':') then case when net_ip4_int(s) is not null then 4 end
        else list_transform([net_ip6_int(s)], lambda v: case when (v >> 32) = 65535 then 4 when v is not null then 6 end)[1]
    end::tinyint
);

-- The integer of an address text in its family (a mapped IPv6 address yields its IPv4 integer).
create or replace macro net_ip(s) as (
    case
        when not contains(s, ':') then net_ip4_int(s)::uhugeint
        else list_transform([net_ip6_int(s)], lambda v: case when (v >> 32) = 65535 then v & 4294967295 else v end)[1]
    end
);

-- Text of an integer address: dotted quad for family 4, full (uncompressed) lowercase hex for 6.
create or replace macro net_ip_text(family, ip) as (
    case family
        when 4 then printf('%d.%d.%d.%d', (ip >> 24) & 255, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255)
        when 6 then
            printf('%x:%x:%x:%x:%x:%x:%x:%x',
                (ip >> 112) & 65535, (ip >> 96) & 65535, (ip >> 80) & 65535, (ip >> 64) & 65535,
                (ip >> 48) & 65535, (ip >> 32) & 65535, (ip >> 16) & 65535, ip & 65535)
    end
);

-- Host-part mask of a prefix length in a family (width 32 or 128).
create or replace macro net_hostmask(family, plen) as (
    case
        when family = 6 and plen = 0 then 340282366920938463463374607431768211455::uhugeint
        else (1::uhugeint << ((case family when 4 then 32 else 128 end) - plen)::utinyint) - 1
    end
);

-- The origin ASNs of a routing line: pfx2as joins multiple origins with "_" and writes an AS set
-- as "{1,2}"; every AS is kept (a multi-origin prefix is never resolved to one at random).
create or replace macro net_origin_asns(origin) as
    list_transform(regexp_split_to_array(trim(origin, '{}'), '[_,]'), lambda x: try_cast(x as bigint));

-- The prefixes of a staged table (its column `prefix`, other columns kept) as (family, plen, lo, hi),
-- with the problem of each bad one (null when the prefix is good; hi is then null too): the
-- checks every ranges and routing file gets, each with its message.
create or replace macro net_parsed_prefixes(staged) as table
with src as (
    select
        *,
        string_split(trim(prefix), '/') as parts
    from query_table(staged)
),

-- each parser runs only on rows of its own syntax (a CASE around them is several times slower)
v4 as (
    select
        *,
        4::tinyint as family,
        try_cast(parts[2] as integer) as plen,
        net_ip4_int(parts[1])::uhugeint as ip
    from src
    where not contains(prefix, ':')
),

v6 as (
    select
        *,
        6::tinyint as family,
        try_cast(parts[2] as integer) as plen,
        net_ip6_int(parts[1]) as ip
    from src
    where contains(prefix, ':')
),

checked as (
    select
        *,
        case
            when len(parts) <> 2 or plen is null then 'not a CIDR prefix (address/length)'
            when ip is null then 'not an IP address'
            when plen not between 0 and (case family when 4 then 32 else 128 end)
                then 'prefix length ' || plen || ' out of range'
            when family = 6 and (ip >> 32) = 65535 and plen >= 96
                then 'IPv4-mapped IPv6 prefix; list it as IPv4'
            when ip & net_hostmask(family, plen) <> 0
                then 'host bits set (the network is '
                    || net_ip_text(family, ip & ~net_hostmask(family, plen)) || '/' || plen || ')'
        end as problem
    from (
        select * from v4
        union all
        select * from v6
    )
),

final as (
    select
        * exclude (parts, ip),
        ip as lo,
        if(problem is null, ip | net_hostmask(family, plen), null) as hi
    from checked
)

select * from final;
