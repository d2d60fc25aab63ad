"""Commands of certificate transparency: domains, link, unlink, ct-match."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from analyzer import output
from analyzer.cli.app import command, echo, out, workspace
from analyzer.cli.options import DbOption, JsonOption
from analyzer.ct import decide, entity_domains, refresh_matches
from analyzer.ct.match import THRESHOLD_ENV
from analyzer.safe_text import json_dumps

EntityArg = Annotated[str, typer.Argument(help="An entity_id, or a name/alias search that finds one entity.")]
DomainArg = Annotated[str, typer.Argument(help="The domain name.")]
NoteOption = Annotated[str, typer.Option("--note", help="Why: source, date, who (required).")]


@command("domains")
def domains(
    entity: EntityArg,
    as_json: JsonOption = False,
    db: DbOption = None,
) -> None:
    """Domains linked to an entity, with method, confidence, score and evidence."""
    with workspace(db) as ws:
        ent, rows = entity_domains(ws, entity)
    if as_json:
        echo(json_dumps(output.jsonable({"entity": ent, "domains": rows}), indent=2))
        return
    for row in rows:
        row["evidence"] = json.dumps(row["evidence"], ensure_ascii=False, default=str)
    title = f"{ent['name']} ({ent['entity_id']}): {len(rows)} domains"
    cols = ["domain", "method", "confidence", "score", "matched_name", "evidence"]
    output.render(rows, "table", cols, title=title, console=out)


def _decision(entity: str, domain: str, decision: str, note: str, db: DbOption) -> None:
    with workspace(db) as ws:
        result = decide(ws, entity, domain, decision, note)
    out.print(
        f"{decision}: {result['domain']} <-> {result['name']} ({result['entity_id']}); note: {result['note']}",
        highlight=False,
        markup=False,
    )


@command("link")
def link(entity: EntityArg, domain: DomainArg, note: NoteOption, db: DbOption = None) -> None:
    """Record an analyst's link of a domain to an entity (outranks automatic links, survives re-ingest)."""
    _decision(entity, domain, "link", note, db)


@command("unlink")
def unlink(entity: EntityArg, domain: DomainArg, note: NoteOption, db: DbOption = None) -> None:
    """Record that a domain is not the entity's (removes every link of the pair, survives re-ingest)."""
    _decision(entity, domain, "unlink", note, db)


@command("ct-match")
def ct_match(
    threshold: Annotated[
        float | None,
        typer.Option(help=f"Fuzzy threshold 0-100 (else ${THRESHOLD_ENV}, else the last used, else 90)."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Recompute which certificate organisations are which entity (runs after every ingest)."""
    with workspace(db) as ws:
        n = refresh_matches(ws, threshold)
    out.print(f"{n:,} (entity, certificate organisation) matches", highlight=False)
