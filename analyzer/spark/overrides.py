"""Hand-written Spark SQL for the few `sql/` definitions that do not translate, keyed by NAME.

Everything else in `sql/` is translated by `analyzer.spark.translate`; the parity tests
(tests/test_spark_parity.py) compare the answers of both engines, so a change in `sql/` that an
override here no longer matches fails there, naming the view. Keep this list short:

- `net_attribute` (table macro): DuckDB's ASOF joins over UHUGEINT addresses have no Spark form. On
  Spark an address is a BIGINT (IPv4) or a 16-byte BINARY (IPv6, compared unsigned); the disjoint
  intervals are split at bucket boundaries (IPv4 /16, IPv6 /32) and listed under each bucket they
  touch, and an address finds its interval by an equi-join on its bucket plus BETWEEN: a hash or
  sort-merge join, never a cross join; the published ranges are small and broadcast.
- `registrable_domain` (macro): a correlated subquery over the PSL per call in DuckDB; on Spark the
  rules are one map (suffix -> kinds, a scalar subquery computed once) and the longest-match rule is
  a higher-order expression over the host's label suffixes.
- `int_dns_addresses` (view): DuckDB numbers the distinct addresses with `row_number() over (order by
  value)`, which Spark computes in a single partition; the numbers are only join keys inside
  `net_attribute` (`int_ip_attribution` drops them), so any unique number serves.
- `attr_entity_services` (view): in DuckDB it serves a stored table guarded by a freshness
  fingerprint (and `attr_dns_scope` narrows the DNS records while storing it); on Spark the answer is
  computed whole, so it is the live `int_entity_services`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlglot import exp


@dataclass(frozen=True)
class Override:
    name: str
    kind: str  # view | macro | table_macro
    why: str
    sql: str = ""  # view: its SELECT; macro: an expression over the parameters
    params: tuple[str, ...] = ()
    table_sql: Callable[[list[exp.Expression]], str] | None = None
    reads: frozenset[str] = field(default_factory=frozenset)


# Expressions the override SQL below uses by name, expanded as text (Spark refuses its own SQL
# functions inside generators and lambdas): name(arg) -> the expression over arg.
EXPRESSIONS = {
    # the low 32 bits of a 16-byte address, as the IPv4 integer
    "analyzer_bin_v4": "cast(conv(hex(substring({0}, 13, 4)), 16, 10) as bigint)",
    # the /32 bucket of a 16-byte IPv6 address (its first four bytes)
    "analyzer_bin_bucket6": "cast(conv(hex(substring({0}, 1, 4)), 16, 10) as bigint)",
    # first and last address of a /32 bucket, as 16 bytes
    "analyzer_bucket6_lo": "unhex(concat(lpad(hex({0}), 8, '0'), '000000000000000000000000'))",
    "analyzer_bucket6_hi": "unhex(concat(lpad(hex({0}), 8, '0'), 'ffffffffffffffffffffffff'))",
}
_CALL = re.compile(r"\b(" + "|".join(EXPRESSIONS) + r")\(([\w.]+)\)")


def expand(sql: str) -> str:
    """The override SQL with EXPRESSIONS written out."""
    return _CALL.sub(lambda m: "(" + EXPRESSIONS[m.group(1)].format(m.group(2)) + ")", sql)


# IPv4 octets p (an array of texts) to the address integer, null unless four octets 0..255 (net_ip4_int)
_IP4_OF_P = """(case when size(p) = 4 and forall(p, x -> cast(x as int) between 0 and 255) then
    cast(element_at(p, 1) as bigint) * 16777216 + cast(element_at(p, 2) as bigint) * 65536
    + cast(element_at(p, 3) as bigint) * 256 + cast(element_at(p, 4) as bigint) end)"""

_NET_ATTRIBUTE = """
with input as (
    select seq, trim(address) as address from {input}
),

v4_text as (
    select seq, address, {ip4_p} as ip
    from (select seq, address, split(address, '[.]') as p from input where not contains(address, ':'))
),

-- IPv6 text to 32 hex digits in steps (Spark allows no function of its own inside a lambda):
-- a dotted IPv4 tail as two hex groups, '::' expanded to zero groups, eight groups of 1-4 digits
v6_tail as (
    select seq, address, lower(address) as h, split(regexp_extract(lower(address), '[^:]*$', 0), '[.]') as p
    from input
    where contains(address, ':')
),

v6_halves as (
    select seq, address, split(t, '::') as halves
    from (
        select seq, address,
            case when not contains(h, '.') then h
            else concat(regexp_replace(h, '[^:]*$', ''), lower(hex(shiftright({ip4_p}, 16))), ':', lower(hex({ip4_p} & 65535)))
            end as t
        from v6_tail
    )
),

v6_sides as (
    select seq, address, halves,
        case when element_at(halves, 1) = '' then cast(array() as array<string>) else split(element_at(halves, 1), ':') end as l,
        case when element_at(halves, 2) = '' then cast(array() as array<string>) else split(element_at(halves, 2), ':') end as r
    from v6_halves
),

v6_groups as (
    select seq, address,
        case
            when size(halves) = 1 then split(element_at(halves, 1), ':')
            when size(halves) = 2 and size(l) + size(r) <= 7 then concat(l, array_repeat('0', 8 - size(l) - size(r)), r)
        end as g
    from v6_sides
),

v6_text as (
    select seq, address,
        case when length(address) between 2 and 45 and not contains(address, ':::')
            and size(g) = 8 and forall(g, x -> x rlike '^[0-9a-f]{{1,4}}$')
        then array_join(transform(g, x -> lpad(x, 4, '0')), '')
        end as hex
    from v6_groups
),

-- an IPv4-mapped IPv6 address is its IPv4 address
v4 as (
    select seq, address, ip from v4_text
    union all
    select seq, address, cast(conv(substr(hex, 25, 8), 16, 10) as bigint) as ip
    from v6_text
    where substr(hex, 1, 24) = '00000000000000000000ffff'
),

v6 as (
    select seq, address, unhex(hex) as ip
    from v6_text
    where hex is null or substr(hex, 1, 24) <> '00000000000000000000ffff'
),

asn_providers as (
    select asn, min(provider_id) as provider_id from catalog_asns group by asn
),

routes as (
    select
        r.family,
        r.lo,
        r.hi,
        r.prefix as route_prefix,
        r.origin_asns,
        r.dataset_id as route_dataset_id,
        c.snapshot_date as route_date,
        coalesce(o.org_name, o.as_handle) as as_name,
        o.country as as_country,
        o.as_handle,
        coalesce(p1.provider_id, p2.provider_id) as asn_provider_id
    from net_route_intervals as r
    inner join stg_route_current as c on c.family = r.family and c.dataset_id = r.dataset_id
    left join stg_as_orgs as o on o.asn = element_at(r.origin_asns, 1)
    left join asn_providers as p1 on p1.asn = element_at(r.origin_asns, 1)
    left join asn_providers as p2 on p2.asn = element_at(r.origin_asns, 2)
),

ranges as (
    select
        g.family,
        g.lo,
        g.hi,
        g.provider_id as range_provider_id,
        g.service as range_service,
        g.region as range_region,
        g.prefix as range_prefix,
        g.dataset_id as range_dataset_id,
        d.snapshot_date as range_date
    from net_range_intervals as g
    inner join datasets as d on d.dataset_id = g.dataset_id
),

-- each interval split at its /16 (IPv4) or /32 (IPv6) bucket boundaries, one piece per bucket
routes4 as (
    select r.*, b.bucket,
        greatest(analyzer_bin_v4(r.lo), shiftleft(b.bucket, 16)) as piece_lo,
        least(analyzer_bin_v4(r.hi), shiftleft(b.bucket, 16) + 65535) as piece_hi
    from routes as r
    lateral view explode(sequence(shiftright(analyzer_bin_v4(r.lo), 16), shiftright(analyzer_bin_v4(r.hi), 16))) b as bucket
    where r.family = 4
),

ranges4 as (
    select g.*, b.bucket,
        analyzer_bin_v4(g.hi) - analyzer_bin_v4(g.lo) as width,
        greatest(analyzer_bin_v4(g.lo), shiftleft(b.bucket, 16)) as piece_lo,
        least(analyzer_bin_v4(g.hi), shiftleft(b.bucket, 16) + 65535) as piece_hi
    from ranges as g
    lateral view explode(sequence(shiftright(analyzer_bin_v4(g.lo), 16), shiftright(analyzer_bin_v4(g.hi), 16))) b as bucket
    where g.family = 4
),

routes6 as (
    select r.*, b.bucket,
        greatest(r.lo, analyzer_bucket6_lo(b.bucket)) as piece_lo,
        least(r.hi, analyzer_bucket6_hi(b.bucket)) as piece_hi
    from routes as r
    lateral view explode(sequence(analyzer_bin_bucket6(r.lo), analyzer_bin_bucket6(r.hi))) b as bucket
    where r.family = 6
),

ranges6 as (
    select g.*, b.bucket,
        greatest(g.lo, analyzer_bucket6_lo(b.bucket)) as piece_lo,
        least(g.hi, analyzer_bucket6_hi(b.bucket)) as piece_hi
    from ranges as g
    lateral view explode(sequence(analyzer_bin_bucket6(g.lo), analyzer_bin_bucket6(g.hi))) b as bucket
    where g.family = 6
),

route_hits4 as (
    select v.seq, r.* except (family, lo, hi, bucket, piece_lo, piece_hi)
    from v4 as v
    inner join routes4 as r on r.bucket = shiftright(v.ip, 16) and v.ip between r.piece_lo and r.piece_hi
),

range_hits4 as (
    select /*+ BROADCAST(g) */ v.seq, g.* except (family, lo, hi, bucket, piece_lo, piece_hi, width)
    from v4 as v
    inner join ranges4 as g on g.bucket = shiftright(v.ip, 16) and v.ip between g.piece_lo and g.piece_hi
    qualify row_number() over (partition by v.seq order by g.width, g.range_dataset_id desc) = 1
),

route_hits6 as (
    select v.seq, r.* except (family, lo, hi, bucket, piece_lo, piece_hi)
    from v6 as v
    inner join routes6 as r on r.bucket = analyzer_bin_bucket6(v.ip) and v.ip between r.piece_lo and r.piece_hi
),

range_hits6 as (
    select /*+ BROADCAST(g) */ v.seq, g.* except (family, lo, hi, bucket, piece_lo, piece_hi)
    from v6 as v
    inner join ranges6 as g on g.bucket = analyzer_bin_bucket6(v.ip) and v.ip between g.piece_lo and g.piece_hi
),

matched4 as (
    select
        a.seq,
        a.address,
        cast(if(a.ip is null, null, 4) as tinyint) as family,
        a.ip is null as invalid,
        r.seq is not null as in_route,
        h.seq is not null as in_range,
        r.* except (seq),
        h.* except (seq)
    from v4 as a
    left join route_hits4 as r on r.seq = a.seq
    left join range_hits4 as h on h.seq = a.seq
),

matched6 as (
    select
        a.seq,
        a.address,
        cast(if(a.ip is null, null, 6) as tinyint) as family,
        a.ip is null as invalid,
        r.seq is not null as in_route,
        h.seq is not null as in_range,
        r.* except (seq),
        h.* except (seq)
    from v6 as a
    left join route_hits6 as r on r.seq = a.seq
    left join range_hits6 as h on h.seq = a.seq
),

matched as (
    select * from matched4
    union all
    select * from matched6
)

select
    seq,
    address,
    family,
    if(in_range, range_provider_id, null) as range_provider_id,
    if(in_range, range_service, null) as range_service,
    if(in_range, range_region, null) as range_region,
    if(in_range, range_prefix, null) as range_prefix,
    if(in_range, range_dataset_id, null) as range_dataset_id,
    if(in_range, range_date, null) as range_date,
    if(in_route, route_prefix, null) as route_prefix,
    if(in_route, origin_asns, null) as origin_asns,
    if(in_route, route_dataset_id, null) as route_dataset_id,
    if(in_route, route_date, null) as route_date,
    if(in_route, as_name, null) as as_name,
    if(in_route, as_country, null) as as_country,
    if(in_route, asn_provider_id, null) as asn_provider_id,
    coalesce(if(in_range, range_provider_id, null), if(in_route, asn_provider_id, null)) as provider_id,
    case
        when in_range then 'published_range'
        when in_route and asn_provider_id is not null then 'asn'
    end as confidence,
    if(in_route, as_handle, null) as as_handle,
    if(invalid, 'not an IP address', null) as error
from matched
"""


def _net_attribute(args: list[exp.Expression]) -> str:
    if len(args) != 1 or not (isinstance(args[0], exp.Literal) and args[0].is_string):
        raise ValueError("net_attribute takes one table name (a string literal)")
    name = args[0].name
    if not name.replace("_", "").isalnum():
        raise ValueError(f"net_attribute: {name!r} is not a table name")
    return expand(_NET_ATTRIBUTE.format(input=name, ip4_p=_IP4_OF_P))


OVERRIDES: dict[str, Override] = {
    o.name: o
    for o in (
        Override(
            "net_attribute",
            "table_macro",
            "ASOF joins over UHUGEINT: Spark has neither; bucketed equi-join + BETWEEN instead",
            table_sql=_net_attribute,
            reads=frozenset(
                {
                    "net_route_intervals",
                    "net_range_intervals",
                    "stg_route_current",
                    "stg_as_orgs",
                    "catalog_asns",
                    "datasets",
                }
            ),
        ),
        Override(
            "registrable_domain",
            "macro",
            "a correlated subquery over the PSL per call; on Spark a Python function over the rules",
            sql="analyzer_registrable_domain(host)",
            params=("host",),
            reads=frozenset({"public_suffixes"}),
        ),
        Override(
            "int_dns_addresses",
            "view",
            "row_number() over the whole address set runs in one Spark partition; any unique seq serves",
            sql=(
                "select monotonically_increasing_id() as seq, value as address "
                "from (select distinct value from stg_dns_records where rtype in ('A', 'AAAA'))"
            ),
            reads=frozenset({"stg_dns_records"}),
        ),
        Override(
            "attr_entity_services",
            "view",
            "the stored, fingerprint-guarded table of DuckDB; Spark computes the live answer",
            sql="select * from int_entity_services",
            reads=frozenset({"int_entity_services"}),
        ),
    )
}
