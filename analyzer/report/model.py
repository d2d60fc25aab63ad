"""The report as data: the provider summary, the entity matrix, one evidence claim per
(entity, domain, service, provider) row and the timeline, built once and rendered by every format."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from analyzer import labels
from analyzer.report.query import (
    Filters,
    dataset_provenance,
    entity_services,
    entity_timeline,
    provider_summary,
)
from analyzer.workspace import Workspace

# What each label means; shown in every format so an uncertain claim never reads as fact.
RELATIONSHIP_MEANING = {
    "customer": "the company's own record points into the provider",
    "via_intermediary": "the company's record points to a third party (SaaS, reseller) that runs on the provider",
    "self_hosted": "the company runs it on its own names; the provider (if any) rents it the server",
    "gateway": "MX of a mail-filtering gateway; the mailbox provider behind it is unknown",
    "verification_only": "a site-verification token proves an account exists, not that it is used",
}
CONFIDENCE_MEANING = {
    "high": "a provider-published address range or a provider hostname",
    "medium": "an ASN-only match (the ASN may carry others' space) or a fuzzy entity-domain link",
    "low": "weaker evidence; treat as a lead, not a finding",
}
# Short marks for cells of the matrix; customer/high has none.
RELATIONSHIP_MARK = {
    "via_intermediary": "via intermediary",
    "self_hosted": "self-hosted",
    "gateway": "gateway",
    "verification_only": "verification only",
}


def parse_evidence(text: Any) -> list[dict[str, Any]]:
    """The evidence JSON array of step objects; anything else becomes one 'unparsed' step."""
    if isinstance(text, list):
        steps = text
    else:
        try:
            steps = json.loads(text) if text else []
        except (TypeError, ValueError):
            return [{"kind": "unparsed", "text": str(text), "dataset_id": None, "date": None}]
    if not isinstance(steps, list):
        steps = [steps]
    return [s if isinstance(s, dict) else {"kind": "unparsed", "text": str(s)} for s in steps]


def mark(relationship: str, confidence: str) -> str:
    """'' for a plain customer/high claim, else e.g. 'via intermediary, medium confidence'."""
    parts = []
    if relationship in RELATIONSHIP_MARK:
        parts.append(RELATIONSHIP_MARK[relationship])
    elif relationship != "customer":
        parts.append(relationship)
    if confidence != "high":
        parts.append(f"{confidence} confidence")
    return ", ".join(parts)


@dataclass
class Observation:
    observed_on: dt.date | None
    steps: list[dict[str, Any]]


@dataclass
class Claim:
    """One (entity, domain, service, provider, relationship, confidence), over its snapshot dates."""

    entity_id: str
    entity_name: str
    list_code: str
    listed_on: dt.date | None
    domain: str
    service: str
    provider_id: str
    provider_name: str
    provider_parent: str
    provider_country: str | None
    relationship: str
    confidence: str
    observations: list[Observation] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        key = "|".join(
            [self.entity_id, self.domain, self.service, self.provider_id, self.relationship, self.confidence]
        )
        return "ev-" + hashlib.sha1(key.encode()).hexdigest()[:12]

    @property
    def uncertain(self) -> bool:
        return self.relationship != "customer" or self.confidence != "high"

    @property
    def mark(self) -> str:
        return mark(self.relationship, self.confidence)

    @property
    def first_seen(self) -> dt.date | None:
        dates = [o.observed_on for o in self.observations if o.observed_on]
        return min(dates) if dates else None

    @property
    def last_seen(self) -> dt.date | None:
        dates = [o.observed_on for o in self.observations if o.observed_on]
        return max(dates) if dates else None


@dataclass
class Cell:
    """The claims of one provider in one (entity, service) cell of the matrix, same labels."""

    provider_id: str
    provider_name: str
    provider_parent: str
    relationship: str
    confidence: str
    claims: list[Claim]

    @property
    def mark(self) -> str:
        return mark(self.relationship, self.confidence)

    @property
    def uncertain(self) -> bool:
        return self.relationship != "customer" or self.confidence != "high"

    @property
    def label(self) -> str:
        return f"{self.provider_name} ({self.mark})" if self.mark else self.provider_name

    @property
    def domains(self) -> list[str]:
        return sorted({c.domain for c in self.claims})


@dataclass
class EntityRow:
    entity_id: str
    entity_name: str
    list_code: str
    listed_on: dt.date | None
    cells: dict[str, list[Cell]]


@dataclass
class Report:
    filters: Filters
    generated_at: dt.datetime
    database: str
    summary: list[dict[str, Any]]
    claims: list[Claim]
    datasets: dict[int, dict[str, Any]]
    # attr_entity_timeline rows up to filters.as_of: one per (entity, service, provider)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    _anchors: dict[tuple[str, str, str | None], str] = field(default_factory=dict, repr=False)

    @property
    def services(self) -> list[str]:
        return [self.filters.service] if self.filters.service else list(labels.SERVICES)

    def matrix(self) -> list[EntityRow]:
        """Entity by service; each cell lists providers with their relationship/confidence."""
        rows: dict[str, EntityRow] = {}
        for c in self.claims:
            row = rows.setdefault(
                c.entity_id, EntityRow(c.entity_id, c.entity_name, c.list_code, c.listed_on, {})
            )
            cells = row.cells.setdefault(c.service, [])
            for cell in cells:
                if (cell.provider_id, cell.relationship, cell.confidence) == (
                    c.provider_id,
                    c.relationship,
                    c.confidence,
                ):
                    cell.claims.append(c)
                    break
            else:
                cells.append(
                    Cell(c.provider_id, c.provider_name, c.provider_parent, c.relationship, c.confidence, [c])
                )
        return sorted(rows.values(), key=lambda r: (r.entity_name.casefold(), r.entity_id))

    def parents_by_entity(self) -> dict[str, dict[str, set[str]]]:
        """entity name -> provider parent -> services, for the heatmap."""
        out: dict[str, dict[str, set[str]]] = {}
        for c in self.claims:
            out.setdefault(c.entity_name, {}).setdefault(c.provider_parent, set()).add(c.service)
        return out

    def first_anchor(self, entity_name: str, parent: str, service: str | None = None) -> str | None:
        """The evidence anchor of the first claim of an entity with a provider parent (and service)."""
        if not self._anchors:
            for c in self.claims:
                self._anchors.setdefault((c.entity_name, c.provider_parent, c.service), c.anchor)
                self._anchors.setdefault((c.entity_name, c.provider_parent, None), c.anchor)
        return self._anchors.get((entity_name, parent, service))

    def entities_per_parent(self) -> list[tuple[str, int]]:
        """Distinct entities per provider parent, over all services, largest first."""
        seen: dict[str, set[str]] = {}
        for c in self.claims:
            seen.setdefault(c.provider_parent, set()).add(c.entity_id)
        return sorted(((p, len(e)) for p, e in seen.items()), key=lambda x: (-x[1], x[0]))

    def timeline_by_entity(self) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
        """(the entity's first row, its rows) per entity, in the timeline's order (by name)."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in self.timeline:
            groups.setdefault(r["entity_id"], []).append(r)
        return [(rows[0], rows) for rows in groups.values()]

    def dataset_label(self, dataset_id: Any) -> str:
        """'dataset 12 (dns, demo.json.gz, sha256 1a2b3c4d, 2024-05-01)' for an evidence step."""
        if dataset_id is None:
            return ""
        d = self.datasets.get(dataset_id)
        if d is None:
            return f"dataset {dataset_id} (not in this database)"
        return (
            f"dataset {dataset_id} ({d['kind']}, {d['source']}, sha256 {str(d['sha256'])[:12]}, "
            f"snapshot {d['snapshot_date'] or 'undated'})"
        )


def claims_from_rows(rows: list[dict[str, Any]]) -> list[Claim]:
    """Group attr_entity_services rows (one per snapshot date) into claims."""
    claims: dict[tuple[str, ...], Claim] = {}
    for r in rows:
        key = (
            r["entity_id"],
            r["domain"],
            r["service"],
            r["provider_id"],
            r["relationship"],
            r["confidence"],
        )
        claim = claims.get(key)
        if claim is None:
            claim = claims[key] = Claim(
                r["entity_id"],
                r["entity_name"],
                r["list_code"],
                r["listed_on"],
                r["domain"],
                r["service"],
                r["provider_id"],
                r["provider_name"] or r["provider_id"],
                r["provider_parent"] or r["provider_name"] or r["provider_id"],
                r["provider_country"],
                r["relationship"],
                r["confidence"],
            )
        claim.observations.append(Observation(r["observed_on"], parse_evidence(r["evidence"])))
    return list(claims.values())


def build_report(ws: Workspace, filters: Filters | None = None) -> Report:
    """Everything a report shows, read through the contract views with the filters as parameters."""
    filters = filters or Filters()
    rows = entity_services(ws, filters).to_pylist()
    claims = claims_from_rows(rows)
    ids = [
        s["dataset_id"]
        for c in claims
        for o in c.observations
        for s in o.steps
        if isinstance(s.get("dataset_id"), int)
    ]
    return Report(
        filters=filters,
        generated_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        database=ws.path,
        summary=provider_summary(ws, filters).to_pylist(),
        claims=claims,
        datasets=dataset_provenance(ws, ids),
        timeline=entity_timeline(ws, filters).to_pylist(),
    )


# -- the timeline's cells, the same words in every format ---------------------------------------------
def seen_text(row: dict[str, Any]) -> str:
    """'2 of 3 snapshots', or 'certificates' for tls_ca (dated by certificates, not snapshots)."""
    if row.get("snapshots_total") is None:
        return "certificates"
    total = row["snapshots_total"]
    return f"{row['snapshots_seen']} of {total} snapshot{'' if total == 1 else 's'}"


def after_listing_text(row: dict[str, Any]) -> str:
    """'yes, 182 days after', 'no, last seen 183 days before', or 'no listing date'."""
    days = row.get("days_after_listing")
    if row.get("seen_after_listing") is None or days is None:
        return "no listing date"
    if row["seen_after_listing"]:
        return f"yes, {days} days after"
    return f"no, last seen {-days} days before"
