"""`analyzer lookup`: attribution of addresses (and, with the DNS capability, hostnames)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import DbOption, command, echo, out, workspace
from analyzer.network.lookup import lookup as lookup_items

_TABLE_COLUMNS = [
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
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per address.")] = False,
    db: DbOption = None,
) -> None:
    """Attribution of addresses against the loaded ranges, routing table and AS organisations."""
    args = [line for item in items for line in (sys.stdin.read().splitlines() if item == "-" else [item])]
    with workspace(db, read_only=False) as ws:
        rows = lookup_items(ws, args)
    if as_json:
        echo(output.to_json(rows))
        return
    output.render(rows, "table", _TABLE_COLUMNS, title=f"{len(rows)} addresses", console=out)
