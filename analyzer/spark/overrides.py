"""Hand-written Spark SQL for the few `sql/` definitions that do not translate, keyed by NAME.

Everything else in `sql/` is translated by `analyzer.spark.translate`; the parity tests
(tests/test_spark_parity.py) compare the answers of both engines, so a change in `sql/` that an
override here no longer matches fails there, naming the view. Keep this list short:

- `net_attribute` (table macro): DuckDB's ASOF joins over UHUGEINT addresses have no Spark form. The
  macro of sql/21 is translated except the CTEs in NET_ATTRIBUTE_CTES (the files of each date, the
  epochs and the enrichment of the intervals are sql/21's own): on Spark an address is a BIGINT
  (IPv4) or a 16-byte BINARY (IPv6, compared unsigned); the disjoint intervals are split at bucket
  boundaries (IPv4 /16, IPv6 /32) and listed under each bucket they touch, and an address finds its
  interval by an equi-join on (route epoch or range set, bucket) plus BETWEEN: a hash or sort-merge
  join, never a cross join; the published ranges are small and broadcast. `multi_origins` too: its
  correlated subqueries are a `posexplode` on Spark.
- `registrable_domain` (macro): a correlated subquery over the PSL per call in DuckDB; on Spark the
  rules are one map (suffix -> kinds, a scalar subquery computed once) and the longest-match rule is
  a higher-order expression over the host's label suffixes.
- `int_dns_addresses` (view): DuckDB numbers the distinct addresses with `row_number() over (order by
  value)`, which Spark computes in a single partition; the numbers are only join keys inside
  `net_attribute` (`int_ip_attribution` drops them), so any unique number serves.
- `attr_entity_services` and `attr_domain_services` (views): in DuckDB each serves a stored table
  guarded by a freshness fingerprint (and `attr_dns_scope` narrows the DNS records while storing the
  entities' one); on Spark the answer is computed whole: the live `int_entity_services`
  (`int_domain_services`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
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
    ctes: Mapping[str, str] = field(default_factory=dict)  # table_macro: its CTEs that Spark runs so
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

# The CTEs of sql/21's net_attribute that Spark cannot run (the rest of the macro is translated):
# address parsing (UHUGEINT arithmetic) and the ASOF joins. `{p}` names another CTE of the macro.
_NET_ATTRIBUTE_CTES = {
    "ranges4_buckets": "",  # the bucketing is in ranges4 here
    # DuckDB finds each address's route interval on the keys first and enriches only those; here
    # every interval is enriched (route_hits: all of them) and matched4/matched6 find it after
    "route_keys4": "",
    "route_buckets4": "",
    "route_hits4": "",
    "route_hits6": "",
    "route_hits": "select distinct route_epoch, family, lo from {p}route_keys",
    # IPv4 text to its integer (BIGINT on Spark)
    "v4_text": """
        select seq, address, as_of, on_date, set_id, {ip4_p} as ip
        from (select *, split(address, '[.]') as p from {p}located where not contains(address, ':'))
    """,
    # IPv6 text to 32 hex digits in steps (Spark allows no function of its own inside a lambda):
    # a dotted IPv4 tail as two hex groups, '::' expanded to zero groups, eight groups of 1-4 digits
    "v6_text": """
        select seq, address, as_of, on_date, set_id,
            case when length(address) between 2 and 45 and not contains(address, ':::')
                and size(g) = 8 and forall(g, x -> x rlike '^[0-9a-f]{{1,4}}$')
            then array_join(transform(g, x -> lpad(x, 4, '0')), '')
            end as hex
        from (
            select *,
                case
                    when size(halves) = 1 then split(element_at(halves, 1), ':')
                    when size(halves) = 2 and size(l) + size(r) <= 7
                        then concat(l, array_repeat('0', 8 - size(l) - size(r)), r)
                end as g
            from (
                select *,
                    case when element_at(halves, 1) = '' then cast(array() as array<string>)
                        else split(element_at(halves, 1), ':') end as l,
                    case when element_at(halves, 2) = '' then cast(array() as array<string>)
                        else split(element_at(halves, 2), ':') end as r
                from (
                    select *,
                        split(
                            case when not contains(h, '.') then h
                            else concat(regexp_replace(h, '[^:]*$', ''), lower(hex(shiftright({ip4_p}, 16))),
                                ':', lower(hex({ip4_p} & 65535)))
                            end,
                            '::'
                        ) as halves
                    from (
                        select *, lower(address) as h,
                            split(regexp_extract(lower(address), '[^:]*$', 0), '[.]') as p
                        from {p}located
                        where contains(address, ':')
                    )
                )
            )
        )
    """,
    # an IPv4-mapped IPv6 address is its IPv4 address
    "v4_all": """
        select seq, address, as_of, on_date, set_id, ip from {p}v4_text
        union all
        select seq, address, as_of, on_date, set_id, cast(conv(substr(hex, 25, 8), 16, 10) as bigint) as ip
        from {p}v6_text
        where substr(hex, 1, 24) = '00000000000000000000ffff'
    """,
    # IPv6 as 16 bytes (compared unsigned)
    "v6": """
        select v.seq, v.address, v.as_of, v.on_date, v.set_id, unhex(v.hex) as ip,
            e.route_epoch, e.route_table_id, e.route_table_date
        from {p}v6_text as v
        left join {p}route_epochs as e on e.on_date = v.on_date and e.family = 6
        where v.hex is null or substr(v.hex, 1, 24) <> '00000000000000000000ffff'
    """,
    # every origin of a multi-origin prefix, in order: its catalog provider or AS organisation
    "multi_origins": """
        select r.route_epoch, r.family, r.lo,
            transform(
                array_sort(collect_list(struct(r.position as position, named_struct(
                    'asn', r.asn,
                    'provider_id', coalesce(
                        p.provider_id,
                        case when o.org.source = 'caida' and o.org.org_id is not null
                            then concat('as:', o.org.org_id) else concat('as:AS', r.asn) end
                    ),
                    'catalog', p.provider_id is not null,
                    'name', coalesce(o.org.org_name, o.org.as_handle),
                    'country', o.org.country
                ) as v))),
                s -> s.v
            ) as origin_providers
        from (
            select m.route_epoch, m.family, m.lo, u.position, u.asn
            from {p}multi_intervals as m
            lateral view posexplode(m.origin_asns) u as position, asn
        ) as r
        left join {p}asn_providers as p on p.asn = r.asn
        left join {p}epoch_orgs as o on o.route_epoch = r.route_epoch and o.asn = r.asn
        group by r.route_epoch, r.family, r.lo
    """,
    # each interval split at its /16 (IPv4) or /32 (IPv6) bucket boundaries, one piece per bucket:
    # an address finds its interval by an equi-join on (epoch or set, bucket) plus BETWEEN
    "routes4": """
        select r.*, b.bucket,
            greatest(analyzer_bin_v4(r.lo), shiftleft(b.bucket, 16)) as piece_lo,
            least(analyzer_bin_v4(r.hi), shiftleft(b.bucket, 16) + 65535) as piece_hi
        from {p}routes as r
        lateral view explode(sequence(shiftright(analyzer_bin_v4(r.lo), 16), shiftright(analyzer_bin_v4(r.hi), 16))) b as bucket
        where r.family = 4
    """,
    "ranges4": """
        select g.*, b.bucket,
            analyzer_bin_v4(g.hi) - analyzer_bin_v4(g.lo) as width,
            greatest(analyzer_bin_v4(g.lo), shiftleft(b.bucket, 16)) as piece_lo,
            least(analyzer_bin_v4(g.hi), shiftleft(b.bucket, 16) + 65535) as piece_hi
        from {p}ranges as g
        lateral view explode(sequence(shiftright(analyzer_bin_v4(g.lo), 16), shiftright(analyzer_bin_v4(g.hi), 16))) b as bucket
        where g.family = 4
    """,
    "routes6": """
        select r.*, b.bucket,
            greatest(r.lo, analyzer_bucket6_lo(b.bucket)) as piece_lo,
            least(r.hi, analyzer_bucket6_hi(b.bucket)) as piece_hi
        from {p}routes as r
        lateral view explode(sequence(analyzer_bin_bucket6(r.lo), analyzer_bin_bucket6(r.hi))) b as bucket
        where r.family = 6
    """,
    "ranges6": """
        select g.*, b.bucket,
            greatest(g.lo, analyzer_bucket6_lo(b.bucket)) as piece_lo,
            least(g.hi, analyzer_bucket6_hi(b.bucket)) as piece_hi
        from {p}ranges as g
        lateral view explode(sequence(analyzer_bin_bucket6(g.lo), analyzer_bin_bucket6(g.hi))) b as bucket
        where g.family = 6
    """,
    "range_hits4": """
        select /*+ BROADCAST(g) */ v.seq, {range_cols}
        from {p}v4 as v
        inner join {p}ranges4 as g
            on g.set_id = v.set_id and g.bucket = shiftright(v.ip, 16) and v.ip between g.piece_lo and g.piece_hi
        qualify row_number() over (partition by v.seq order by g.width, g.range_dataset_id desc) = 1
    """,
    "matched4": """
        select
            a.seq, a.address, a.as_of,
            cast(if(a.ip is null, null, 4) as tinyint) as family,
            a.ip is null as invalid,
            r.seq is not null as in_route,
            h.seq is not null as in_range,
            a.route_table_id, a.route_table_date,
            {route_cols_r},
            {range_cols_h}
        from {p}v4 as a
        left join (
            select v.seq, {route_cols}
            from {p}v4 as v
            inner join {p}routes4 as r
                on r.route_epoch = v.route_epoch and r.bucket = shiftright(v.ip, 16)
                and v.ip between r.piece_lo and r.piece_hi
        ) as r on r.seq = a.seq
        left join {p}range_hits4 as h on h.seq = a.seq
    """,
    "matched6": """
        select
            a.seq, a.address, a.as_of,
            cast(if(a.ip is null, null, 6) as tinyint) as family,
            a.ip is null as invalid,
            r.seq is not null as in_route,
            h.seq is not null as in_range,
            a.route_table_id, a.route_table_date,
            {route_cols_r},
            {range_cols_h}
        from {p}v6 as a
        left join (
            select v.seq, {route_cols}
            from {p}v6 as v
            inner join {p}routes6 as r
                on r.route_epoch = v.route_epoch and r.bucket = analyzer_bin_bucket6(v.ip)
                and v.ip between r.piece_lo and r.piece_hi
        ) as r on r.seq = a.seq
        left join (
            select /*+ BROADCAST(g) */ v.seq, {range_cols}
            from {p}v6 as v
            inner join {p}ranges6 as g
                on g.set_id = v.set_id and g.bucket = analyzer_bin_bucket6(v.ip)
                and v.ip between g.piece_lo and g.piece_hi
        ) as h on h.seq = a.seq
    """,
}
# the columns sql/21's `routes` and `ranges` give each interval (besides epoch or set, family, lo, hi)
_ROUTE_COLS = [
    "route_prefix",
    "origin_asns",
    "route_dataset_id",
    "route_date",
    "as_name",
    "as_country",
    "as_handle",
    "as_org_id",
    "as_source",
    "as_dataset_id",
    "as_date",
    "asn_provider_id",
    "as_provider_id",
    "origin_providers",
]
_RANGE_COLS = [
    "range_provider_id",
    "range_service",
    "range_region",
    "range_prefix",
    "range_dataset_id",
    "range_date",
    "covering",
]


def _cols(alias: str, names: list[str]) -> str:
    return ", ".join(f"{alias}.{n}" for n in names)


NET_ATTRIBUTE_CTES = {
    name: expand(
        sql.format(
            p="{p}",
            ip4_p=_IP4_OF_P,
            route_cols=_cols("r", _ROUTE_COLS),
            range_cols=_cols("g", _RANGE_COLS),
            route_cols_r=_cols("r", _ROUTE_COLS),
            range_cols_h=_cols("h", _RANGE_COLS),
        )
    )
    for name, sql in _NET_ATTRIBUTE_CTES.items()
}


OVERRIDES: dict[str, Override] = {
    o.name: o
    for o in (
        Override(
            "net_attribute",
            "table_macro",
            "ASOF joins and UHUGEINT addresses: Spark has neither; bucketed equi-join + BETWEEN instead",
            ctes=NET_ATTRIBUTE_CTES,
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
                "select monotonically_increasing_id() as seq, value as address, observed_on as as_of "
                "from (select distinct value, observed_on from stg_dns_records where rtype in ('A', 'AAAA'))"
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
        Override(
            "attr_domain_services",
            "view",
            "the stored, fingerprint-guarded table of DuckDB; Spark computes the live answer",
            sql=(
                "select domain, service, provider_id, provider_name, provider_parent, provider_country, "
                "relationship, confidence, evidence, observed_on from int_domain_services"
            ),
            reads=frozenset({"int_domain_services"}),
        ),
    )
}
