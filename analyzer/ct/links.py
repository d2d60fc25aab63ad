"""Analysts' decisions and the per-entity domain listing behind `analyzer domains|link|unlink`."""

from __future__ import annotations

import json
from typing import Any

from analyzer import attribution
from analyzer.ct.match import refresh_if_stale
from analyzer.domains import normalize_hostname
from analyzer.errors import ConfigError
from analyzer.safe_text import shown
from analyzer.watchlists.entities import find_entities
from analyzer.workspace import Workspace

CONFIDENCE_ORDER = ("analyst", "high", "medium", "low")


def resolve_entity(ws: Workspace, entity: str) -> dict[str, Any]:
    """An entity_id, else a unique name/alias search; several matches are an error listing them."""
    exact = ws.rows("select entity_id, name, list_code from entities where entity_id = ?", [entity])
    if exact:
        return exact[0]
    found = find_entities(ws, search=entity)
    if not found:
        raise ConfigError(f"no entity matches {shown(entity)}; list them with `analyzer entities --search`")
    if len(found) > 1:
        listed = "; ".join(f"{e['entity_id']} {e['name']}" for e in found[:5])
        more = f" and {len(found) - 5} more" if len(found) > 5 else ""
        raise ConfigError(
            f"{shown(entity)} matches {len(found)} entities ({listed}{more}); give the entity_id"
        )
    return {k: found[0][k] for k in ("entity_id", "name", "list_code")}


def _domain(domain: str) -> str:
    host = normalize_hostname(domain)
    if host is None or host.startswith("*."):
        raise ConfigError(f"{shown(domain)} is not a domain name")
    return host


def decide(ws: Workspace, entity: str, domain: str, decision: str, note: str) -> dict[str, Any]:
    """Record an analyst's link or unlink (kept apart from loaded data, so it survives re-ingest) and
    bring the stored attribution up to date with it."""
    if decision not in ("link", "unlink"):
        raise ConfigError(f"decision must be link or unlink, not {shown(decision)}")
    if not note.strip():
        raise ConfigError("--note is required: say why (source, date, who)")
    ent = resolve_entity(ws, entity)
    host = _domain(domain)
    with ws.transaction() as con:
        con.execute(
            "insert into ct_analyst_decisions (entity_id, domain, decision, note) values (?, ?, ?, ?)",
            [ent["entity_id"], host, decision, note.strip()],
        )
    attribution.ensure(ws)
    return {**ent, "domain": host, "decision": decision, "note": note.strip()}


def entity_domains(ws: Workspace, entity: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The entity and its linked domains, best evidence first (evidence decoded from JSON)."""
    refresh_if_stale(ws)
    ent = resolve_entity(ws, entity)
    rows = ws.rows(
        """
        select domain, method, confidence, score, matched_name, evidence
        from entity_domains
        where entity_id = ?
        order by list_position(?, confidence), score desc nulls last, domain
        """,
        [ent["entity_id"], list(CONFIDENCE_ORDER)],
    )
    for row in rows:
        row["evidence"] = json.loads(row["evidence"]) if row["evidence"] else None
    return ent, rows
