"""Writing watchlist entries (from any list format) into raw_entities and its name/domain tables."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml

from analyzer.errors import ConfigError
from analyzer.ingest.base import LoadContext
from analyzer.names import normalize_name
from analyzer.resources import datasets_dir
from analyzer.safe_text import shown

_COUNTRY = re.compile(r"^[A-Z]{2}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_COUNTRY_AT_END = re.compile(r"(?:^|,)\s*([A-Z]{2})\s*$")
# "84 FR 22961", "82 F.R. 48792", "Vol. 83, No. 91" (State Department style) are all citations.
_FR_CITATION = re.compile(r"(\d+)\s*F\.?\s*R\.?\s*(\d+)")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y")


@dataclass
class Entry:
    line: int | None
    list_code: str
    source: str
    name: str
    entry_key: str = ""
    entity_type: str | None = None
    alt_names: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    listed_on: dt.date | None = None
    ended_on: dt.date | None = None
    federal_register_notice: str | None = None
    fr_citations: list[str] = field(default_factory=list)
    source_list_url: str | None = None
    source_information_url: str | None = None
    remarks: str | None = None
    domains: list[tuple[str, str | None]] = field(default_factory=list)


@cache
def list_codes() -> dict[str, str]:
    """CSL `source` string -> short code, from datasets/lists.yaml."""
    path = datasets_dir() / "lists.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the list codes: {exc}") from exc
    return {item["source"].strip().casefold(): item["code"] for item in doc["lists"]}


def split_list(value: Any, sep: str = ";") -> list[str]:
    """`a; b; and c` (or a JSON list) -> ['a', 'b', 'c']: empty parts dropped, and the "and" that
    BIS writes before the last item of a list removed."""
    if value is None:
        return []
    parts = value if isinstance(value, list) else str(value).split(sep)
    out = []
    for part in parts:
        text = "" if part is None else str(part).strip()
        if text[:4].lower() == "and " and len(text) > 4:
            text = text[4:].strip()
        if text:
            out.append(text)
    return out


def fr_citations(notice: str | None) -> list[str]:
    """Federal Register citations in a `federal_register_notice` field, as "84 FR 22961"."""
    if not notice:
        return []
    return list(dict.fromkeys(f"{vol} FR {page}" for vol, page in _FR_CITATION.findall(notice)))


def parse_date(ctx: LoadContext, line: int | None, column: str, value: Any) -> dt.date | None:
    """A date in any of the publishers' forms; a bad one is a warning and the date stays empty."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text[:10] if fmt == "%Y-%m-%d" else text, fmt).date()
        except ValueError:
            continue
    ctx.issues.warn(
        line, f"column {shown(column)} is {shown(text)}, expected a date (row kept, date left empty)"
    )
    return None


def countries_of(addresses: list[str]) -> list[str]:
    """ISO codes at the end of CSL addresses ("..., Shenzhen, CN"), in order, without repeats."""
    out: list[str] = []
    for address in addresses:
        m = _COUNTRY_AT_END.search(address)
        if m and m.group(1) not in out:
            out.append(m.group(1))
    return out


def stable_key(*parts: Any) -> str:
    """A content hash for entries whose source gives no id: the same entry keeps its key."""
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:40]


@cache
def _entity_schema() -> Any:
    """raw_entities' columns as Arrow (pyarrow loads with the first entry written, not at import)."""
    import pyarrow as pa

    return pa.schema(
        [
            ("dataset_id", pa.int32()),
            ("entry_key", pa.string()),
            ("line", pa.int64()),
            ("list_code", pa.string()),
            ("source", pa.string()),
            ("entity_type", pa.string()),
            ("name", pa.string()),
            ("alt_names", pa.list_(pa.string())),
            ("addresses", pa.list_(pa.string())),
            ("countries", pa.list_(pa.string())),
            ("programs", pa.list_(pa.string())),
            ("listed_on", pa.date32()),
            ("ended_on", pa.date32()),
            ("federal_register_notice", pa.string()),
            ("fr_citations", pa.list_(pa.string())),
            ("source_list_url", pa.string()),
            ("source_information_url", pa.string()),
            ("remarks", pa.string()),
        ]
    )


def _checked(ctx: LoadContext, e: Entry) -> bool:
    """An entry whose name carries control characters (NUL, ESC ...) is rejected; a country that is
    not an ISO 3166 alpha-2 code (`<b>`, `China`) is dropped with a warning."""
    if _CONTROL.search(e.name) or any(_CONTROL.search(a) for a in e.alt_names):
        ctx.issues.reject(e.line, f"name {shown(e.name)} contains control characters; entry skipped")
        return False
    bad = [c for c in e.countries if not _COUNTRY.match(c)]
    for c in bad:
        ctx.issues.warn(
            e.line, f"country {shown(c)} of {shown(e.name)} is not a two-letter ISO code (left out)"
        )
    e.countries = [c for c in e.countries if _COUNTRY.match(c)]
    return True


def write_entries(ctx: LoadContext, entries: list[Entry]) -> int:
    """Insert entries (deduplicated on entry_key within the file) with their names and domains."""
    seen: dict[str, int | None] = {}
    rows, names, domains = [], [], []
    for e in entries:
        if not _checked(ctx, e):
            continue
        if e.entry_key in seen:
            ctx.issues.warn(
                e.line,
                f"duplicate of the entry on line {seen[e.entry_key]} ({shown(e.name)}), kept once",
            )
            continue
        seen[e.entry_key] = e.line
        row = {f: getattr(e, f) for f in _entity_schema().names if f != "dataset_id"}
        rows.append({"dataset_id": ctx.dataset_id, **row})
        name_set: dict[str, str] = {e.name: "primary"}
        for alias in e.alt_names:
            name_set.setdefault(alias, "alias")
        for name, kind in name_set.items():
            norm = normalize_name(name)
            if norm:
                names.append((ctx.dataset_id, e.entry_key, name, kind, norm))
        domains.extend((ctx.dataset_id, e.entry_key, d, note) for d, note in e.domains)
    if rows:
        import pyarrow as pa

        arrow_rows = pa.Table.from_pylist(rows, schema=_entity_schema())  # noqa: F841 - read by DuckDB
        ctx.con.execute("insert into raw_entities by name select * from arrow_rows")
    if names:
        _insert_tuples(
            ctx,
            "raw_entity_names",
            ["dataset_id", "entry_key", "name", "name_kind", "normalized"],
            names,
        )
    if domains:
        _insert_tuples(
            ctx, "raw_entity_domains", ["dataset_id", "entry_key", "domain", "source_note"], domains
        )
    return len(rows)


def _insert_tuples(ctx: LoadContext, table_name: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert through Arrow: one statement, not one per row."""
    import pyarrow as pa

    data = pa.table({c: [r[i] for r in rows] for i, c in enumerate(columns)})  # noqa: F841
    ctx.con.execute(f"insert into {table_name} by name select * from data")  # noqa: S608 - fixed names
