"""`analyzer lookup`: attribution of addresses and of hostnames (through the loaded DNS snapshots)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import command, echo, out, workspace
from analyzer.cli.options import DbOption
from analyzer.ct.observations import describe
from analyzer.lookup import lookup as lookup_items

_TABLE_COLUMNS = [
    "name",
    "address",
    "provider_id",
    "confidence",
    "range_service",
    "range_region",
    "range_prefix",
    "range_date",
    "route_prefix",
    "origin_asns",
    "as_name",
    "as_country",
    "error",
]


@command("lookup")
def lookup(
    items: Annotated[
        list[str], typer.Argument(help="IP addresses or hostnames; '-' reads them from stdin, one per line.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per address or hostname (the whole answer).")
    ] = False,
    db: DbOption = None,
) -> None:
    """Attribution of addresses (published ranges, routing table, AS organisations, and the certificates
    TLS scans saw them serve) and of hostnames (CNAME chain, final addresses attributed, MX/NS/TXT of
    the domain, from the latest DNS snapshot)."""
    args = [line for item in items for line in (sys.stdin.read().splitlines() if item == "-" else [item])]
    with workspace(db, read_only=False) as ws:
        rows = lookup_items(ws, args)
    if as_json:
        echo(output.to_json(rows))
        return
    table = [line for row in rows for line in _table_rows(row)]
    columns = _TABLE_COLUMNS
    if any(r.get("served_certificates") for r in rows):
        columns = [*_TABLE_COLUMNS, "served"]
        for line in table:
            served = line.get("served_certificates") or []
            line["served"] = "; ".join(describe(o) for o in served[:3]) + (
                f" (+{len(served) - 3} more scans, see --json)" if len(served) > 3 else ""
            )
    output.render(table, "table", columns, title=f"{len(args)} lookups", console=out)


def _table_rows(row: dict) -> list[dict]:
    """An address row as is; a hostname result as one row per final address (the JSON form has the
    whole answer: CNAME chain, MX, NS, TXT and SPF of the domain)."""
    if "addresses" not in row:
        return [row]
    name = row.get("name") or row.get("query")
    if row.get("error"):
        return [{"name": name, "error": row["error"]}]
    if not row["addresses"]:
        why = "no A/AAAA records in the loaded DNS data" if row.get("found") else "not in the loaded DNS data"
        return [{"name": name, "error": why}]
    return [{**(a.get("attribution") or {}), "name": name, "address": a["address"]} for a in row["addresses"]]
