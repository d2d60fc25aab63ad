"""Users' own watchlists, for firms on no official list: YAML or CSV.

YAML::

    list: WATCH                 # short list code (default USER)
    name: My investigation      # the list's full name (default: the code)
    entities:
      - name: Example Vision Co., Ltd.
        aliases: [ExampleVision]
        country: CN
        listed_on: 2020-01-01   # optional
        domains:
          - {domain: examplevision.example, source: "company website, imprint page"}

CSV: one row per (entity, domain): ``list,name,aliases,country,listed_on,domain,domain_source,notes``;
only ``name`` is required; ``aliases`` is `;`-separated; rows with the same list and name merge.
"""

from __future__ import annotations

import csv
from typing import Any

import yaml

from analyzer.domains import normalize_hostname
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text
from analyzer.names import normalize_name
from analyzer.safe_text import shown
from analyzer.watchlists.entries import Entry, parse_date, split_list, stable_key, write_entries

CSV_COLUMNS = (
    "list",
    "name",
    "aliases",
    "country",
    "listed_on",
    "domain",
    "domain_source",
    "notes",
)
YAML_FIELDS = frozenset({"name", "aliases", "country", "countries", "listed_on", "domains", "notes", "type"})


def _entry(
    ctx: LoadContext, line: int | None, code: str, list_name: str, rec: dict[str, Any]
) -> Entry | None:
    name = str(rec.get("name") or "").strip()
    if not name:
        ctx.issues.reject(line, "entity without a name")
        return None
    countries = split_list(rec.get("countries")) or split_list(rec.get("country"))
    return Entry(
        line=line,
        list_code=code,
        source=list_name,
        name=name,
        entry_key=stable_key(code, normalize_name(name)),
        entity_type=rec["type"] if isinstance(rec.get("type"), str) else None,
        alt_names=split_list(rec.get("aliases")),
        countries=[c.upper() for c in countries],
        listed_on=parse_date(ctx, line, "listed_on", rec.get("listed_on")),
        remarks=(str(rec["notes"]).strip() or None) if rec.get("notes") else None,
    )


def _add_domain(ctx: LoadContext, entry: Entry, line: int | None, domain: Any, note: Any) -> None:
    if not domain:
        return
    host = normalize_hostname(str(domain))
    if host is None:
        ctx.issues.reject(line, f"domain {shown(domain)} of {shown(entry.name)} is not a valid hostname")
        return
    if all(host != d for d, _ in entry.domains):
        entry.domains.append((host, str(note).strip() if note else None))


def _entity_lines(text: str) -> list[tuple[int, dict[str, int]]]:
    """Where each item of `entities:` starts, and the line of each of its keys (YAML node marks)."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if getattr(key, "value", None) == "entities" and isinstance(value, yaml.SequenceNode):
            return [
                (
                    item.start_mark.line + 1,
                    {str(k.value): k.start_mark.line + 1 for k, _ in item.value}
                    if isinstance(item, yaml.MappingNode)
                    else {},
                )
                for item in value.value
            ]
    return []


def _from_yaml(ctx: LoadContext, text: str) -> list[Entry]:
    try:
        doc = yaml.safe_load(text)
        lines = _entity_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SourceError(
            ctx.path, f"not valid YAML: {problem}", line=mark.line + 1 if mark else None
        ) from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("entities"), list):
        raise SourceError(
            ctx.path, "a YAML watchlist needs an `entities:` list (see `analyzer ingest --help`)"
        )
    code = str(doc.get("list") or "USER").strip()
    list_name = str(doc.get("name") or code)
    ctx.format = "yaml"
    entries = []
    for i, rec in enumerate(doc["entities"], start=1):
        line, key_lines = lines[i - 1] if i <= len(lines) else (None, {})
        if not isinstance(rec, dict):
            ctx.issues.reject(line, f"entity #{i} is not a mapping")
            continue
        for key in rec.keys() - YAML_FIELDS:
            ctx.issues.warn_once(
                f"field:{key}", f"unexpected field {shown(key)} (not loaded)", key_lines.get(str(key), line)
            )
        entry = _entry(ctx, line, code, list_name, rec)
        if entry is None:
            continue
        domains = rec.get("domains") or []
        at = key_lines.get("domains", line)
        for d in domains if isinstance(domains, list) else [domains]:
            if isinstance(d, dict):
                _add_domain(ctx, entry, at, d.get("domain"), d.get("source"))
            else:
                _add_domain(ctx, entry, at, d, None)
        entries.append(entry)
    return entries


def _from_csv(ctx: LoadContext) -> list[Entry]:
    with open_text(ctx.path) as fh:
        reader = csv.DictReader(fh)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        reader.fieldnames = header
        if "name" not in header:
            raise SourceError(
                ctx.path,
                f"missing required column 'name'; expected {','.join(CSV_COLUMNS)}",
                line=1,
            )
        for extra in (h for h in header if h not in CSV_COLUMNS):
            ctx.issues.warn_once(f"column:{extra}", f"unexpected column {shown(extra)} (not loaded)", 1)
        ctx.format = "csv"
        merged: dict[tuple[str, str], Entry] = {}
        for rec in reader:
            line = reader.line_num
            code = (rec.get("list") or "USER").strip() or "USER"
            entry = _entry(ctx, line, code, code, rec)
            if entry is None:
                continue
            key = (code, entry.entry_key)
            if key in merged:
                known = merged[key]
                known.alt_names += [a for a in entry.alt_names if a not in known.alt_names]
                entry = known
            else:
                merged[key] = entry
            _add_domain(ctx, entry, line, rec.get("domain"), rec.get("domain_source"))
        return list(merged.values())


def ingest(ctx: LoadContext) -> int:
    with open_text(ctx.path) as fh:
        text = fh.read()
    suffix = ctx.path.suffix.lower()
    if suffix in (".yaml", ".yml") or text.lstrip().startswith(("list:", "entities:", "name:", "---")):
        entries = _from_yaml(ctx, text)
    else:
        entries = _from_csv(ctx)
    if not entries:
        raise SourceError(ctx.path, "no entities found in the watchlist")
    return write_entries(ctx, entries)
