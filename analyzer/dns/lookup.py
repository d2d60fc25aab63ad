"""Hostname lookup against the loaded DNS snapshots: the CNAME chain, the final addresses, and the MX,
NS and TXT/SPF records of the registrable domain, each hostname with its catalog matches.

Each name is answered from its latest snapshot date (older ones stay queryable in the int_* views).
Address attribution belongs to the network capability: `attach_attribution(ws, results,
attribute_addresses)` adds an `attribution` field to every address in one call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from analyzer.domains import normalize_hostname, registrable_domain
from analyzer.workspace import Workspace

# Catalog hostname patterns (catalog_hostnames) that a host name matches: a suffix or a regex.
_MATCH_SQL = """
    select provider_id, service, pattern, match_kind, relationship
    from catalog_hostnames
    where (match_kind = 'suffix' and ($host = pattern or ends_with($host, '.' || pattern)))
        or (match_kind = 'regex' and regexp_matches($host, pattern))
    order by provider_id, service
"""


def catalog_matches(ws: Workspace, host: str, services: tuple[str, ...] | None = None) -> list[dict]:
    """Which provider/service patterns of the catalog a hostname falls under."""
    rows = ws.rows(_MATCH_SQL, {"host": host})
    return [r for r in rows if services is None or r["service"] in services]


def _latest(ws: Workspace, name: str) -> Any:
    row = ws.rows("select max(observed_on) as d from stg_dns_records where name = ?", [name])
    return row[0]["d"] if row else None


def _chain(ws: Workspace, name: str, day: Any) -> dict | None:
    rows = ws.rows(
        "select hops, final_name, depth, status, dataset_id from int_name_chains "
        "where name = ? and observed_on = ?",
        [name, day],
    )
    if not rows:
        return None
    chain = rows[0]
    chain["hops"] = [
        {"name": hop, "matches": catalog_matches(ws, hop, ("cdn", "web_hosting"))} for hop in chain["hops"]
    ]
    return chain


def _domain(ws: Workspace, domain: str) -> dict:
    day = _latest(ws, domain)
    records = ws.rows(
        "select rtype, value, preference, dataset_id from stg_dns_records "
        "where name = ? and observed_on = ? and rtype in ('MX', 'NS', 'TXT', 'SPF') "
        "order by rtype, preference nulls last, value",
        [domain, day],
    )
    spf = ws.rows(
        "select target, mechanism, qualifier, dataset_id from int_spf_includes "
        "where name = ? and observed_on = ? order by target",
        [domain, day],
    )
    return {
        "name": domain,
        "observed_on": day,
        "mx": [
            {
                "host": r["value"],
                "preference": r["preference"],
                "dataset_id": r["dataset_id"],
                "matches": catalog_matches(ws, r["value"], ("email",)),
            }
            for r in records
            if r["rtype"] == "MX"
        ],
        "ns": [
            {
                "host": r["value"],
                "dataset_id": r["dataset_id"],
                "matches": catalog_matches(ws, r["value"], ("dns_hosting",)),
            }
            for r in records
            if r["rtype"] == "NS"
        ],
        "txt": [r["value"] for r in records if r["rtype"] in ("TXT", "SPF")],
        "spf_includes": [{**r, "matches": catalog_matches(ws, r["target"], ("email_sending",))} for r in spf],
    }


def lookup_hostname(ws: Workspace, query: str) -> dict:
    """One hostname: see lookup_hostnames."""
    name = normalize_hostname(query)
    if name is None:
        return {"query": query, "name": None, "error": "not a valid hostname"}
    day = _latest(ws, name)
    chain = _chain(ws, name, day) if day else None
    addresses = (
        ws.rows(
            "select address, family, final_name, dataset_id from int_name_addresses "
            "where name = ? and observed_on = ? order by family, address",
            [name, day],
        )
        if day
        else []
    )
    domain = registrable_domain(name)
    return {
        "query": query,
        "name": name,
        "observed_on": day,
        "found": day is not None,
        "chain": chain,
        "addresses": addresses,
        "domain": _domain(ws, domain) if domain else None,
    }


def lookup_hostnames(ws: Workspace, names: Iterable[str]) -> list[dict]:
    """For each name: its CNAME chain (hops with CDN/hosting catalog matches), final addresses, and
    the MX, NS, TXT records and SPF includes of its registrable domain, from the latest snapshot."""
    names = list(names)
    with _scoped_to(ws, names):
        return [lookup_hostname(ws, n) for n in names]


@contextmanager
def _scoped_to(ws: Workspace, queries: list[str]) -> Iterator[None]:
    """Answer from the records of the queried names, their domains and what those point to only
    (sql/40 with dns_scope_seeds; sql/11 with attr_dns_scope): the chain views otherwise walk the
    whole snapshot, 30 s for one name in 20 M records. Inside a transaction that is rolled back,
    so attr_scope_names keeps the stored attribution's scope; a read-only database is not scoped."""
    if ws.read_only:
        yield
        return
    seeds = sorted(
        {n for q in queries if (n := normalize_hostname(q))}
        | {d for q in queries if (n := normalize_hostname(q)) and (d := registrable_domain(n))}
    )
    ws.con.begin()
    try:
        ws.con.execute("set variable dns_scope_seeds = ?", [seeds])
        ws.con.execute("delete from attr_scope_names")
        ws.con.execute("insert into attr_scope_names select name from int_entity_dns_scope")
        ws.con.execute("set variable attr_dns_scope = 'entities'")
        yield
    finally:
        ws.con.rollback()
        ws.con.execute("reset variable attr_dns_scope")
        ws.con.execute("reset variable dns_scope_seeds")


def attach_attribution(
    ws: Workspace,
    results: list[dict],
    attribute_addresses: Callable[[Workspace, list[str]], list[dict]],
) -> list[dict]:
    """Add `attribution` (the network capability's row for that address, or None) to every address,
    with one call of `attribute_addresses` for all of them."""
    wanted = sorted({a["address"] for r in results for a in r.get("addresses") or []})
    by_address = {row.get("address"): row for row in attribute_addresses(ws, wanted)} if wanted else {}
    for r in results:
        for a in r.get("addresses") or []:
            a["attribution"] = by_address.get(a["address"])
    return results
