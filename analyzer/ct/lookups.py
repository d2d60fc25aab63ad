"""Per-distinct-value lookups filled at ingest: certificate name -> registrable domain and subject
organisation -> comparable forms (analyzer.names). Registrable domains are computed in SQL from the
same Public Suffix List file analyzer.domains uses (its rules loaded into ct_psl_rules), so millions
of names never pass through Python; organisation names are few and are normalised in Python."""

from __future__ import annotations

import contextlib
import hashlib

import duckdb
import idna
import pyarrow as pa

from analyzer.domains import psl_path
from analyzer.names import match_blocks, match_key, normalize_name

_PSL_KEY = "ct_psl_digest"


def psl_rules(text: str) -> list[tuple[str, str]]:
    """(rule, kind) pairs of a PSL file: kind normal, wildcard ("*.ck" stored as "ck") or exception
    ("!www.ck" stored as "www.ck"); Unicode rules also in punycode, as certificates carry them."""
    rules: set[tuple[str, str]] = set()
    for raw in text.splitlines():
        line = raw.strip().split()[0] if raw.strip() else ""
        if not line or line.startswith("//"):
            continue
        kind = "normal"
        if line.startswith("!"):
            kind, line = "exception", line[1:]
        elif line.startswith("*."):
            kind, line = "wildcard", line[2:]
        line = line.lower()
        rules.add((line, kind))
        if not line.isascii():
            with contextlib.suppress(idna.IDNAError):
                rules.add((idna.encode(line, uts46=True).decode("ascii"), kind))
    return sorted(rules)


def ensure_psl_rules(con: duckdb.DuckDBPyConnection) -> None:
    """Load the PSL rules into ct_psl_rules when the file in use changed."""
    data = psl_path().read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    row = con.execute("select value from analyzer_meta where key = ?", [_PSL_KEY]).fetchall()
    if row and row[0][0] == digest:
        return
    rules = psl_rules(data.decode("utf-8"))
    con.execute("delete from ct_psl_rules")
    con.register("_ct_psl", pa.table({"rule": [r for r, _ in rules], "kind": [k for _, k in rules]}))
    try:
        con.execute("insert into ct_psl_rules select rule, kind from _ct_psl")
    finally:
        con.unregister("_ct_psl")
    con.execute("delete from ct_name_domains")  # computed with the old rules
    con.execute("insert or replace into analyzer_meta (key, value) values (?, ?)", [_PSL_KEY, digest])


# The PSL algorithm (https://github.com/publicsuffix/list/wiki/Format): the longest matching rule
# (a wildcard counts one label more; like publicsuffixlist, the base of a wildcard rule is itself a
# public suffix) is the public suffix, an exception rule wins and gives one label less, no match
# means the last label ("*" rule); the registrable domain is one label more, none when the name is
# itself a public suffix. A test checks it equals analyzer.domains.registrable_domain.
# Speed: a name's public suffix depends only on its last 3 labels unless those are the tail of a
# rule reaching 4+ labels ("deep"), so the rules are matched once per distinct 3-label tail, and
# label by label only for the few names with a deep tail.
_PUBLIC_LEN = """
    {name}_suffixes as (
        select
            key,
            labels,
            k,
            array_to_string(labels[len(labels) - k + 1:], '.') as suffix
        from (select key, labels, unnest(range(1, len(labels) + 1)) as k from {name}_input)
    ),
    {name}_len as (
        select
            s.key,
            coalesce(
                max(case when r.kind = 'exception' then s.k - 1 end),
                greatest(
                    max(case
                        when r.kind = 'normal' then s.k
                        when r.kind = 'wildcard' then least(s.k + 1, len(s.labels))
                    end),
                    1
                )
            ) as public_len
        from {name}_suffixes as s
        left join ct_psl_rules as r on r.rule = s.suffix
        group by s.key
    )"""

_REGISTRABLE = f"""
    insert into ct_name_domains
    with new_names as (
        select distinct s.name
        from ({{source}}) as s
        anti join ct_name_domains as c on c.name = s.name
        where s.name is not null
    ),
    hosts as (
        select
            name,
            labels,
            array_to_string(labels[greatest(len(labels) - 2, 1):], '.') as tail
        from (
            select name, string_split(regexp_replace(name, '^\\*\\.', ''), '.') as labels
            from new_names
        )
    ),
    deep_tails as (
        select distinct array_to_string(labels[len(labels) - 2:], '.') as tail
        from (select kind, string_split(rule, '.') as labels from ct_psl_rules)
        where len(labels) + (kind = 'wildcard')::integer >= 4 and len(labels) >= 3
    ),
    tail_input as (
        select distinct
            h.tail as key,
            string_split(h.tail, '.') as labels
        from hosts as h
        anti join deep_tails as d using (tail)
    ),
    deep_input as (
        select
            h.name as key,
            h.labels
        from hosts as h
        semi join deep_tails as d using (tail)
    ),
    {_PUBLIC_LEN.format(name="tail")},
    {_PUBLIC_LEN.format(name="deep")},
    lengths as (
        select
            h.name,
            h.labels,
            coalesce(d.public_len, t.public_len) as public_len
        from hosts as h
        left join tail_len as t on t.key = h.tail
        left join deep_len as d on d.key = h.name
    ),
    final as (
        select
            name,
            case
                when len(labels) > public_len
                    then array_to_string(labels[len(labels) - public_len:], '.')
            end as domain
        from lengths
    )
    select name, domain from final
"""  # noqa: S608 - fixed SQL fragments of this module; values are parameters


def fill_name_domains(
    con: duckdb.DuckDBPyConnection, source_sql: str, params: dict[str, object] | None = None
) -> None:
    """Add the registrable domain of each name `source_sql` yields (a lowercase, validated varchar
    column `name`; a leading "*." is allowed) that is not cached yet."""
    ensure_psl_rules(con)
    con.execute(_REGISTRABLE.format(source=source_sql), params or {})


def fill_org_names(con: duckdb.DuckDBPyConnection, source_sql: str) -> int:
    """Add the subject organisations `source_sql` yields (column `subject_o`) not cached yet."""
    orgs = con.execute(
        f"select distinct s.subject_o from ({source_sql}) as s "  # noqa: S608 - fixed SQL
        "anti join ct_org_names as c on c.subject_o = s.subject_o where s.subject_o is not null"
    ).fetchall()
    if not orgs:
        return 0
    values = [o[0] for o in orgs]
    keys = [match_key(o) for o in values]
    table = pa.table(
        {
            "subject_o": values,
            "normalized": [normalize_name(o) for o in values],
            "match_key": keys,
            "blocks": [match_blocks(k) for k in keys],
        }
    )
    con.register("_ct_new_orgs", table)
    try:
        con.execute(
            "insert into ct_org_names select subject_o, normalized, match_key, blocks from _ct_new_orgs"
        )
    finally:
        con.unregister("_ct_new_orgs")
    return len(values)
