"""The US Consolidated Screening List (trade.gov) in its CSV and JSON forms, both header generations."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any

from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text
from analyzer.safe_text import shown
from analyzer.watchlists.entries import (
    Entry,
    countries_of,
    fr_citations,
    list_codes,
    parse_date,
    split_list,
    stable_key,
    write_entries,
)

REQUIRED = ("source", "name")
# Every column of consolidated.csv as published (2019 header; 2023+ adds a leading `_id`).
KNOWN = frozenset(
    [
        "_id",
        "id",
        "source",
        "entity_number",
        "type",
        "programs",
        "name",
        "title",
        "addresses",
        "federal_register_notice",
        "start_date",
        "end_date",
        "standard_order",
        "license_requirement",
        "license_policy",
        "call_sign",
        "vessel_type",
        "gross_tonnage",
        "gross_registered_tonnage",
        "vessel_flag",
        "vessel_owner",
        "remarks",
        "source_list_url",
        "alt_names",
        "citizenships",
        "dates_of_birth",
        "nationalities",
        "places_of_birth",
        "source_information_url",
        "ids",
    ]
)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _address_text(value: Any) -> str:
    """A CSV address string, or a JSON address object joined the way the CSV writes it."""
    if isinstance(value, dict):
        parts = [value.get(k) for k in ("address", "city", "state", "postal_code", "country")]
        return ", ".join(str(p).strip() for p in parts if p and str(p).strip())
    return str(value).strip()


def to_entry(ctx: LoadContext, line: int | None, rec: dict[str, Any]) -> Entry | None:
    name = _text(rec.get("name"))
    source = _text(rec.get("source"))
    if not name or not source:
        ctx.issues.reject(line, "entry without a name or source")
        return None
    codes = list_codes()
    code = codes.get(source.casefold())
    if code is None:
        code = source
        ctx.issues.warn_once(
            f"source:{source}",
            f"unknown list source {shown(source)}: kept verbatim as its list code",
            line,
        )
    addresses = rec.get("addresses")
    if isinstance(addresses, list):
        address_list = [a for a in (_address_text(x) for x in addresses) if a]
        countries = [
            str(x["country"]).strip() for x in addresses if isinstance(x, dict) and _text(x.get("country"))
        ]
    else:
        address_list = split_list(addresses)
        countries = countries_of(address_list)
    if not countries:
        countries = split_list(rec.get("nationalities")) or split_list(rec.get("citizenships"))
    listed_on = parse_date(ctx, line, "start_date", rec.get("start_date"))
    frn = _text(rec.get("federal_register_notice"))
    entry_key = (
        _text(rec.get("_id"))
        or _text(rec.get("id"))
        or stable_key(
            source,
            name,
            rec.get("entity_number"),
            "; ".join(address_list),
            rec.get("start_date"),
            frn,
        )
    )
    return Entry(
        line=line,
        list_code=code,
        source=source,
        name=name,
        entry_key=entry_key,
        entity_type=_text(rec.get("type")),
        alt_names=[a for a in split_list(rec.get("alt_names")) if a != name],
        addresses=address_list,
        countries=list(dict.fromkeys(countries)),
        programs=split_list(rec.get("programs")),
        listed_on=listed_on,
        ended_on=parse_date(ctx, line, "end_date", rec.get("end_date")),
        federal_register_notice=frn,
        fr_citations=fr_citations(frn),
        source_list_url=_text(rec.get("source_list_url")),
        source_information_url=_text(rec.get("source_information_url")),
        remarks=_text(rec.get("remarks")),
    )


def _csv_records(ctx: LoadContext) -> Iterator[tuple[int, dict[str, Any]]]:
    with open_text(ctx.path) as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        if not header:
            raise SourceError(ctx.path, "the file has no header line; expected consolidated.csv")
        header = [h.strip() for h in header]
        reader.fieldnames = header
        for column in REQUIRED:
            if column not in header:
                raise SourceError(
                    ctx.path,
                    f"missing required column {shown(column)}; is this the Consolidated Screening List "
                    f"(consolidated.csv)? header: {', '.join(header[:8])}",
                    line=1,
                )
        ctx.format = "csv" if "_id" in header else "csv-2019"
        for extra in (h for h in header if h not in KNOWN):
            ctx.issues.warn_once(f"column:{extra}", f"unexpected column {shown(extra)} (not loaded)", 1)
        for rec in reader:
            if None in rec:  # more fields than the header
                ctx.issues.reject(
                    reader.line_num,
                    f"{len(header) + len(rec[None])} fields, header has {len(header)}",
                )
                continue
            yield reader.line_num, rec


def _json_records(ctx: LoadContext) -> Iterator[tuple[int, dict[str, Any]]]:
    # The whole list is a few tens of MB: json.load is simpler than streaming and fast enough.
    with open_text(ctx.path) as fh:
        try:
            doc = json.load(fh)
        except json.JSONDecodeError as exc:
            raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
    results = doc.get("results") if isinstance(doc, dict) else doc
    if not isinstance(results, list):
        raise SourceError(ctx.path, "JSON without a `results` list; expected consolidated.json")
    ctx.format = "json"
    extras: set[str] = set()
    for i, rec in enumerate(results, start=1):
        if not isinstance(rec, dict):
            ctx.issues.reject(i, "result is not an object")
            continue
        for key in rec.keys() - KNOWN - extras:
            extras.add(key)
            ctx.issues.warn_once(f"field:{key}", f"unexpected field {shown(key)} (not loaded)", i)
        yield i, rec


def ingest(ctx: LoadContext) -> int:
    """Parse the file (format from its first byte) and write its entries."""
    with open_text(ctx.path) as fh:
        head = fh.read(256).lstrip()[:1]
    records = _json_records(ctx) if head in ("{", "[") else _csv_records(ctx)
    entries = [e for line, rec in records if (e := to_entry(ctx, line, rec)) is not None]
    if not entries:
        raise SourceError(ctx.path, "no entries found; expected the Consolidated Screening List")
    return write_entries(ctx, entries)
