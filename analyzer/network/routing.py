"""Routing and AS organisation files: CAIDA RouteViews pfx2as (v4/v6), pyasn .dat, iptoasn TSV,
CAIDA as2org (old two-section text and new JSONL) and pyasn's asnames JSON.

Lines are split in Python (streamed in batches); numbers, prefixes and checks are done by DuckDB in
bulk, and the prefixes are flattened once into disjoint intervals (longest prefix wins)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, date_in_name, open_text
from analyzer.network.prefixes import batched, flatten_into, parse_staged, reject_duplicates, stage
from analyzer.safe_text import shown
from analyzer.workspace import first_row

_DIGITS = re.compile(r"^\d+$")


def _date_from(text: str) -> dt.date | None:
    return date_in_name(text)


def _data_lines(path: Path, comment: str = "#;") -> Iterator[tuple[int, str]]:
    """(line number, text) of the lines that carry data: no blank lines, no comments."""
    with open_text(path) as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.strip()
            if line and line[0] not in comment:
                yield n, line


def _first_data_line(path: Path) -> str:
    for _, line in _data_lines(path):
        return line
    raise SourceError(path, "no data lines (only comments or blank lines)")


def sniff_routing(path: Path) -> str:
    """'caida_pfx2as', 'pyasn_dat' or 'iptoasn' from the first data line; else a SourceError."""
    fields = _first_data_line(path).split("\t")
    if len(fields) == 3 and _DIGITS.match(fields[1]) and "/" not in fields[0]:
        return "caida_pfx2as"
    if len(fields) == 2 and "/" in fields[0]:
        return "pyasn_dat"
    if len(fields) == 5 and "/" not in fields[0] and "/" not in fields[1]:
        return "iptoasn"
    raise SourceError(
        path,
        "unknown routing format: expected CAIDA pfx2as (prefix<TAB>length<TAB>asn), pyasn .dat "
        "(prefix/len<TAB>asn) or iptoasn TSV (start<TAB>end<TAB>asn<TAB>cc<TAB>description)",
        line=None,
    )


def _snapshot(ctx: LoadContext) -> None:
    if not ctx.set_snapshot(_date_from(ctx.path.name), "file_name"):
        # pyasn writes '; Original file : data/rib.20140513.0600.bz2' in its header
        with open_text(ctx.path) as fh:
            for _, raw in zip(range(10), fh, strict=False):
                if raw.startswith(";") and "Original file" in raw:
                    ctx.set_snapshot(_date_from(raw.rsplit("/", 1)[-1]), "content")


def _route_batches(ctx: LoadContext, fmt: str) -> Iterator[pa.Table]:
    for chunk in batched(_data_lines(ctx.path)):
        lines, prefixes, origins = [], [], []
        for n, line in chunk:
            f = line.split("\t")
            if fmt == "caida_pfx2as" and len(f) == 3:
                prefixes.append(f"{f[0]}/{f[1]}")
                origins.append(f[2])
            elif fmt == "pyasn_dat" and len(f) == 2:
                prefixes.append(f[0])
                origins.append(f[1])
            else:
                ctx.issues.reject(
                    n, f"expected {3 if fmt == 'caida_pfx2as' else 2} tab-separated fields, got {len(f)}"
                )
                continue
            lines.append(n)
        yield pa.table(
            {
                "line": pa.array(lines, pa.int64()),
                "prefix": pa.array(prefixes, pa.string()),
                "origin": pa.array(origins, pa.string()),
            }
        )


def _store_routes(ctx: LoadContext) -> int:
    """From temp table _net_routes (line, prefix, family, lo, hi, origin[, origin_asns]) into
    raw_routes, then flatten this file's prefixes into net_route_intervals."""
    con = ctx.con
    bad = con.execute(
        "select line, origin from _net_routes where origin_asns is null or len(origin_asns) = 0 "
        "or list_count(origin_asns) < len(origin_asns) order by line"
    ).fetchall()
    for line, origin in bad:
        ctx.issues.reject(line, f"origin {shown(origin)} is not an AS number or a list of them ('_' or ',')")
    con.execute(
        "delete from _net_routes where origin_asns is null or len(origin_asns) = 0 "
        "or list_count(origin_asns) < len(origin_asns)"
    )
    reject_duplicates(ctx, "_net_routes")
    con.execute(
        "insert into raw_routes select ?, line, prefix, family, lo, hi, origin, origin_asns from _net_routes",
        [ctx.dataset_id],
    )
    flatten_into(
        con,
        "select family, lo, hi, line from raw_routes where dataset_id = ?",
        [ctx.dataset_id],
        """
        insert into net_route_intervals
        select r.dataset_id, f.family, f.lo, f.hi, r.prefix, r.origin_asns
        from net_flatten() as f
        inner join raw_routes as r on r.dataset_id = ? and r.line = f.ref
        """,
        [ctx.dataset_id],
    )
    con.execute(
        "insert into net_dataset_families select dataset_id, family, count(*), null from raw_routes "
        "where dataset_id = ? group by all",
        [ctx.dataset_id],
    )
    loaded = first_row(con.execute("select count(*) from _net_routes"))
    for table in ("_net_stage", "_net_routes"):
        con.execute(f"drop table if exists {table}")
    return int(loaded[0]) if loaded else 0


def ingest_pfx2as(ctx: LoadContext) -> int:
    """CAIDA RouteViews pfx2as (v4 or v6) or a pyasn .dat[.gz] (v4, v6 or both)."""
    fmt = sniff_routing(ctx.path)
    if fmt == "iptoasn":
        raise SourceError(ctx.path, "this is an iptoasn TSV; load it with `analyzer ingest ip2asn`")
    ctx.format = fmt
    _snapshot(ctx)
    con = ctx.con
    if stage(con, "_net_stage", _route_batches(ctx, fmt)) is None:
        raise SourceError(ctx.path, "no prefixes found")
    parse_staged(ctx, "_net_stage", "_net_parsed")
    con.execute(
        """
        create or replace temp table _net_routes as
        select
            line,
            prefix,
            family,
            lo,
            hi,
            origin,
            net_origin_asns(origin) as origin_asns
        from _net_parsed
        """
    )
    con.execute("drop table if exists _net_parsed")
    return _store_routes(ctx)


def _iptoasn_batches(ctx: LoadContext, names: dict[int, tuple[str, str]]) -> Iterator[pa.Table]:
    not_routed = 0
    for chunk in batched(_data_lines(ctx.path)):
        lines, starts, ends, origins = [], [], [], []
        for n, line in chunk:
            f = line.split("\t")
            if len(f) != 5:
                ctx.issues.reject(n, f"expected 5 tab-separated fields, got {len(f)}")
                continue
            if f[2] == "0":
                not_routed += 1
                continue
            lines.append(n)
            starts.append(f[0])
            ends.append(f[1])
            origins.append(f[2])
            if _DIGITS.match(f[2]):
                names.setdefault(int(f[2]), (f[4], f[3]))
        yield pa.table(
            {
                "line": pa.array(lines, pa.int64()),
                "prefix": pa.array([f"{s}-{e}" for s, e in zip(starts, ends, strict=True)], pa.string()),
                "start": pa.array(starts, pa.string()),
                "end": pa.array(ends, pa.string()),
                "origin": pa.array(origins, pa.string()),
            }
        )
    if not_routed:
        ctx.issues.warn(None, f"{not_routed:,} ranges marked 'Not routed' (AS 0) were skipped")


def ingest_ip2asn(ctx: LoadContext) -> int:
    """iptoasn.com ip2asn-v4/v6/combined TSV: address ranges with their AS, country and name."""
    fmt = sniff_routing(ctx.path)
    if fmt != "iptoasn":
        raise SourceError(ctx.path, f"this looks like {fmt}; load it with `analyzer ingest pfx2as`")
    ctx.format = fmt
    ctx.set_snapshot(_date_from(ctx.path.name), "file_name")
    con = ctx.con
    names: dict[int, tuple[str, str]] = {}
    if stage(con, "_net_stage", _iptoasn_batches(ctx, names)) is None:
        raise SourceError(ctx.path, "no address ranges found")
    con.execute(
        """
        create or replace temp table _net_routes as
        with parsed as (
            select
                *,
                contains("start", ':') as is6,
                case when contains("start", ':') then net_ip6_int("start") else net_ip4_int("start")::uhugeint end as lo,
                case when contains("end", ':') then net_ip6_int("end") else net_ip4_int("end")::uhugeint end as hi
            from _net_stage
        )
        select
            line,
            prefix,
            case when is6 then 6 else 4 end::tinyint as family,
            lo,
            hi,
            origin,
            [try_cast(origin as bigint)] as origin_asns
        from parsed
        """
    )
    for line, prefix in con.execute(
        "select line, prefix from _net_routes where lo is null or hi is null or hi < lo order by line"
    ).fetchall():
        ctx.issues.reject(line, f"range {shown(prefix)}: not a valid start-end address range")
    con.execute("delete from _net_routes where lo is null or hi is null or hi < lo")
    if names:
        con.executemany(
            "insert into raw_as_orgs values (?, ?, ?, null, ?, ?, 'ip2asn')",
            [
                (ctx.dataset_id, asn, desc.split(" ", 1)[0], desc, cc if cc not in ("", "None") else None)
                for asn, (desc, cc) in names.items()
            ],
        )
    return _store_routes(ctx)


# -- AS organisations -----------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A field as text: JSON strings and numbers; a list or object where text belongs is dropped."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _insert_orgs(ctx: LoadContext, rows: list[tuple[Any, ...]]) -> int:
    if rows:
        table = pa.table(
            {
                "asn": pa.array([r[0] for r in rows], pa.int64()),
                "as_name": pa.array([_text(r[1]) for r in rows], pa.string()),
                "org_id": pa.array([_text(r[2]) for r in rows], pa.string()),
                "org_name": pa.array([_text(r[3]) for r in rows], pa.string()),
                "country": pa.array([_text(r[4]) for r in rows], pa.string()),
            }
        )
        ctx.con.register("_net_orgs", table)
        try:
            ctx.con.execute(
                "insert into raw_as_orgs select ?, asn, as_name, org_id, org_name, country, ? from _net_orgs",
                [ctx.dataset_id, "caida" if ctx.format.startswith("caida") else ctx.format],
            )
        finally:
            ctx.con.unregister("_net_orgs")
    return len(rows)


def _asn(ctx: LoadContext, line: int, value: Any) -> int | None:
    text = str(value).strip().upper().removeprefix("AS")
    if not _DIGITS.match(text):
        ctx.issues.reject(line, f"AS number {shown(value)} is not a number")
        return None
    return int(text)


def _as2org_text(ctx: LoadContext) -> list[tuple[Any, ...]]:
    """Old CAIDA format: '# format:' lines announce the aut section and the org section."""
    orgs: dict[str, tuple[str, str | None]] = {}
    auts: list[tuple[int, int, str, str]] = []
    section: list[str] | None = None
    with open_text(ctx.path) as fh:
        for n, raw in enumerate(fh, start=1):
            line = raw.rstrip("\r\n")
            if line.startswith("# format:"):
                section = [c.strip() for c in line.removeprefix("# format:").split("|")]
                continue
            if not line.strip() or line.startswith("#"):
                continue
            if section is None:
                raise SourceError(ctx.path, "data before the first '# format:' line", line=n)
            values = dict(zip(section, line.split("|"), strict=False))
            if "aut" in values:
                asn = _asn(ctx, n, values["aut"])
                if asn is not None:
                    auts.append(
                        (n, asn, values.get("aut_name") or values.get("name") or "", values.get("org_id", ""))
                    )
            elif "org_id" in values and "country" in values:
                orgs[values["org_id"]] = (
                    values.get("org_name") or values.get("name") or "",
                    values.get("country"),
                )
            else:
                ctx.issues.reject(n, f"a line of an unknown section {shown(section)}")
    rows = []
    for _n, asn, name, org_id in auts:
        org_name, country = orgs.get(org_id, (None, None))
        rows.append((asn, name or None, org_id or None, org_name or None, country or None))
    return rows


def _as2org_jsonl(ctx: LoadContext) -> list[tuple[Any, ...]]:
    """New CAIDA format: one JSON object per line, `type` 'Organization' or 'ASN'."""
    orgs: dict[str, tuple[str, str | None]] = {}
    auts: list[tuple[int, str, str]] = []
    with open_text(ctx.path) as fh:
        for n, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                rec = json.loads(raw)
            except json.JSONDecodeError as exc:
                ctx.issues.reject(n, f"not JSON: {exc.msg}")
                continue
            kind = rec.get("type") if isinstance(rec, dict) else None
            if kind == "Organization":
                orgs[str(rec.get("organizationId"))] = (rec.get("name") or "", rec.get("country"))
            elif kind == "ASN":
                asn = _asn(ctx, n, rec.get("asn"))
                if asn is not None:
                    auts.append((asn, rec.get("name") or "", str(rec.get("organizationId") or "")))
            else:
                ctx.issues.reject(n, f"unknown record type {shown(kind)} (expected 'ASN' or 'Organization')")
    return [
        (
            asn,
            name or None,
            org_id or None,
            orgs.get(org_id, (None, None))[0] or None,
            orgs.get(org_id, (None, None))[1] or None,
        )
        for asn, name, org_id in auts
    ]


def _asnames_json(ctx: LoadContext, doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    """pyasn asnames JSON {"15169": "GOOGLE - Google LLC, US"}: handle, organisation, country."""
    rows = []
    for i, (key, value) in enumerate(doc.items(), start=1):
        asn = _asn(ctx, i, key)
        if asn is None or not isinstance(value, str):
            continue
        text, country = value, None
        m = re.search(r",\s*([A-Z]{2})$", text)
        if m:
            text, country = text[: m.start()], m[1]
        handle, _, org = text.partition(" ")
        org = org.strip().removeprefix("- ").strip() or None
        rows.append((asn, handle or None, None, org, country))
    return rows


def ingest_as2org(ctx: LoadContext) -> int:
    """CAIDA as2org (old txt, new JSONL) or pyasn asnames JSON, detected from the first bytes."""
    with open_text(ctx.path) as fh:
        head = fh.read(4096)
    first = head.lstrip()
    if first.startswith("# format:") or first.startswith("# name:") or "\n# format:" in head:
        ctx.format = "caida_as2org_txt"
        rows = _as2org_text(ctx)
    elif first.startswith("{") and '"type"' in first.split("\n", 1)[0]:
        ctx.format = "caida_as2org_jsonl"
        rows = _as2org_jsonl(ctx)
    elif first.startswith("{"):
        ctx.format = "pyasn_asnames"
        with open_text(ctx.path) as fh:
            try:
                doc = json.load(fh)
            except json.JSONDecodeError as exc:
                raise SourceError(ctx.path, f"not JSON: {exc.msg}", line=exc.lineno) from exc
        if not isinstance(doc, dict):
            raise SourceError(ctx.path, "expected a JSON object {asn: name}")
        rows = _asnames_json(ctx, doc)
    else:
        raise SourceError(
            ctx.path,
            "unknown as2org format: expected CAIDA as-org2info.txt ('# format:' sections), "
            "as-org2info.jsonl or pyasn asnames.json",
        )
    if ctx.snapshot_date is None:
        ctx.set_snapshot(_date_from(ctx.path.name), "file_name")
    return _insert_orgs(ctx, rows)
