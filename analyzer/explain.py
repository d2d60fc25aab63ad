"""`analyzer explain TARGET`: every attr_entity_services row about an entity, a domain or an
address, with its evidence chain step by step, each step's dataset provenance, and why each
relationship and confidence label was given."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from rich.tree import Tree

from analyzer.ct.observations import describe, served_certificates
from analyzer.domains import normalize_hostname
from analyzer.errors import AnalyzerError
from analyzer.names import normalize_name
from analyzer.report.model import (
    CONFIDENCE_MEANING,
    RELATIONSHIP_MEANING,
    Claim,
    Report,
    claims_from_rows,
)
from analyzer.report.query import Filters, dataset_provenance, require_views
from analyzer.safe_text import text, visible
from analyzer.workspace import Workspace


class NothingToExplain(AnalyzerError):
    """The target matches no attribution row."""


@dataclass
class Explanation:
    target: str
    target_kind: str  # entity | domain | address
    report: Report
    served: list[dict[str, Any]] = field(default_factory=list)  # an address: what TLS scans saw it serve

    @property
    def claims(self) -> list[Claim]:
        return self.report.claims


def classify(target: str) -> tuple[str, str]:
    """('address', canonical text) for an IP address, ('domain', hostname) for a name with a dot,
    else ('entity', the text)."""
    text = target.strip()
    try:
        return "address", str(ipaddress.ip_address(text))
    except ValueError:
        pass
    host = normalize_hostname(text) if "." in text and " " not in text else None
    if host:
        return "domain", host
    return "entity", text


# The target as a whole token of the evidence text: "1.2.3.4" must not match "1.2.3.40" or the
# prefix "1.2.3.4/30", "x.example" must not match "ax.example". The pattern is a parameter.
_BY_ADDRESS = """
    select * from attr_entity_services
    where regexp_matches(evidence, ?)
    order by entity_name, domain, service, provider_id, observed_on
"""
_BY_DOMAIN = """
    select * from attr_entity_services
    where domain = ? or domain like '%.' || ? or regexp_matches(evidence, ?)
    order by entity_name, domain, service, provider_id, observed_on
"""


def _token(value: str) -> str:
    return r"(^|[^0-9A-Za-z.:/_-])" + re.escape(value) + r"\.?($|[^0-9A-Za-z.:/_-])"


_BY_ENTITY = """
    select * from attr_entity_services
    where entity_id = ?
        or lower(entity_name) = lower(?)
        or entity_id in (select entity_id from entity_names where normalized = ?)
    order by entity_name, domain, service, provider_id, observed_on
"""
_BY_ENTITY_PART = """
    select * from attr_entity_services
    where entity_id in (select entity_id from entity_names where normalized like '%' || ? || '%')
        or contains(lower(entity_name), lower(?))
    order by entity_name, domain, service, provider_id, observed_on
"""


def _rows(ws: Workspace, kind: str, value: str) -> list[dict[str, Any]]:
    if kind == "address":
        # the address appears as a JSON string in some step (address, range or route fields)
        return ws.rows(_BY_ADDRESS, [_token(value)])
    if kind == "domain":
        return ws.rows(_BY_DOMAIN, [value, value, "(?i)" + _token(value)])
    rows = ws.rows(_BY_ENTITY, [value, value, normalize_name(value)])
    needle = normalize_name(value)
    if rows or not needle:
        return rows
    return ws.rows(_BY_ENTITY_PART, [needle, value.strip()])


def explain(ws: Workspace, target: str) -> Explanation:
    """The matching rows grouped into claims, with the datasets their steps cite."""
    require_views(ws, "attr_entity_services")
    kind, value = classify(target)
    rows = _rows(ws, kind, value)
    served = served_certificates(ws, [value]).get(value, []) if kind == "address" else []
    if not rows and not served:
        raise NothingToExplain(
            f"no attribution row mentions {kind} {value!r}; check `analyzer entities --search` "
            "for the name, or `analyzer lookup` for an address or hostname not tied to a listed entity"
        )
    claims = claims_from_rows(rows)
    ids = [
        s["dataset_id"]
        for c in claims
        for o in c.observations
        for s in o.steps
        if isinstance(s.get("dataset_id"), int)
    ]
    report = Report(
        filters=Filters(),
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        database=ws.path,
        summary=[],
        claims=claims,
        datasets=dataset_provenance(ws, ids + [o["dataset_id"] for o in served]),
    )
    return Explanation(target, kind, report, served)


def why(claim: Claim) -> list[str]:
    """Why the labels: the meaning of each label plus the rule steps the view recorded."""
    rules = [s.get("text", "") for o in claim.observations for s in o.steps if s.get("kind") == "rule"]
    lines = [
        f"relationship {claim.relationship}: {RELATIONSHIP_MEANING.get(claim.relationship, 'unknown label')}",
        f"confidence {claim.confidence}: {CONFIDENCE_MEANING.get(claim.confidence, 'unknown label')}",
    ]
    return lines + [f"rule: {r}" for r in dict.fromkeys(rules)]


def step_line(report: Report, step: dict[str, Any]) -> str:
    date = f" [{step['date']}]" if step.get("date") else ""
    source = report.dataset_label(step.get("dataset_id"))
    return f"{step.get('kind', '?')}: {step.get('text', '')}{date}" + (f" — {source}" if source else "")


def tree(explanation: Explanation) -> Tree:
    """The evidence tree for the terminal: entity → claim → observation → steps, plus why.
    Every label is a Text of visible() data: names and evidence never act as markup."""
    root = Tree(
        Text.assemble((visible(explanation.target), "bold"), f" ({explanation.target_kind})"),
        highlight=False,
    )
    by_entity: dict[str, Tree] = {}
    report = explanation.report
    for claim in explanation.claims:
        node = by_entity.get(claim.entity_id)
        if node is None:
            listed = f", listed {claim.listed_on}" if claim.listed_on else ""
            node = by_entity[claim.entity_id] = root.add(
                Text.assemble(
                    (visible(claim.entity_name), "bold"),
                    visible(f" ({claim.list_code}{listed}; {claim.entity_id})"),
                )
            )
        labels = f"{claim.relationship}, {claim.confidence} confidence"
        branch = node.add(
            Text.assemble(
                f"{visible(claim.domain)} · ",
                (visible(claim.service), "bold"),
                visible(
                    f" → {claim.provider_name} ({claim.provider_parent}, {claim.provider_country or '?'}) — "
                ),
                (visible(labels), "yellow" if claim.uncertain else ""),
            )
        )
        for obs in claim.observations:
            seen = branch.add(text(f"observed {obs.observed_on or 'undated'}"))
            for i, step in enumerate(obs.steps, 1):
                seen.add(text(f"{i}. {step_line(report, step)}"), highlight=False)
        reasons = branch.add(text("why these labels"))
        for line in why(claim):
            reasons.add(text(line), highlight=False)
    if explanation.served:
        scans = root.add(
            Text.assemble(
                ("served certificates", "bold"), " (TLS scans of the address; no DNS record involved)"
            )
        )
        for obs in explanation.served:
            source = report.dataset_label(obs.get("dataset_id"))
            scans.add(text(describe(obs) + (f" — {source}" if source else "")), highlight=False)
    return root


def to_rows(explanation: Explanation) -> list[dict[str, Any]]:
    """JSON-able form: one object per claim with its observations, steps (with provenance) and reasons."""
    report = explanation.report
    out = []
    for c in explanation.claims:
        out.append(
            {
                "entity_id": c.entity_id,
                "entity_name": c.entity_name,
                "list_code": c.list_code,
                "listed_on": c.listed_on,
                "domain": c.domain,
                "service": c.service,
                "provider_id": c.provider_id,
                "provider_name": c.provider_name,
                "provider_parent": c.provider_parent,
                "provider_country": c.provider_country,
                "relationship": c.relationship,
                "confidence": c.confidence,
                "why": why(c),
                "observations": [
                    {
                        "observed_on": o.observed_on,
                        "steps": [
                            {**s, "dataset": report.datasets.get(s["dataset_id"])}
                            if isinstance(s.get("dataset_id"), int)
                            else s
                            for s in o.steps
                        ],
                    }
                    for o in c.observations
                ],
            }
        )
    return out
