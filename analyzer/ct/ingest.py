"""`analyzer ingest ct PATH`: crt.sh JSON/CSV exports, RFC 6962 get-entries JSON, PEM/DER bundles.

Every format fills one staging table (`_ct_stage`, raw names as written); one shared SQL step then
validates names, fills the name/organisation caches and inserts into raw_certificates. crt.sh
exports are read by DuckDB (read_json/read_csv, explicit columns); certificate bytes are parsed with
`cryptography` in batches and handed to DuckDB as Arrow tables.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from analyzer.compression import compression_of, open_maybe_compressed
from analyzer.ct import caches
from analyzer.ct.x509parse import CertError, CertRecord, parse_der, parse_log_entry
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text

# crt.sh JSON fields (https://crt.sh/?q=example.com&output=json), in the order crt.sh writes them.
CRTSH_FIELDS = (
    "issuer_ca_id",
    "issuer_name",
    "common_name",
    "name_value",
    "id",
    "entry_timestamp",
    "not_before",
    "not_after",
    "serial_number",
)
CRTSH_OPTIONAL = ("result_count",)
CRTSH_REQUIRED = ("issuer_name", "name_value", "serial_number")
GET_ENTRIES_FIELDS = ("leaf_input", "extra_data")
BATCH = 20_000

# A DNS name as certificates carry it: LDH labels (underscore tolerated), an optional leading
# wildcard, and a last label with a letter (so IP-address SANs are not names).

STAGE_SCHEMA = pa.schema(
    [
        ("k", pa.int64()),
        ("line", pa.int64()),
        ("source_format", pa.string()),
        ("crtsh_id", pa.int64()),
        ("issuer_ca_id", pa.int64()),
        ("fingerprint_sha256", pa.string()),
        ("serial", pa.string()),
        ("issuer_dn", pa.string()),
        ("issuer_o", pa.string()),
        ("issuer_cn", pa.string()),
        ("subject_dn", pa.string()),
        ("subject_o", pa.string()),
        ("subject_cn", pa.string()),
        ("subject_c", pa.string()),
        ("raw_names", pa.list_(pa.string())),
        ("not_before", pa.timestamp("us")),
        ("not_after", pa.timestamp("us")),
        ("is_precert", pa.bool_()),
        ("entry_time", pa.timestamp("us")),
    ]
)
_STAGE_DDL = ", ".join(
    f"{f.name} {'varchar[]' if pa.types.is_list(f.type) else _t}"
    for f, _t in (
        (f, {"int64": "bigint", "string": "varchar", "bool": "boolean"}.get(str(f.type), "timestamp"))
        for f in STAGE_SCHEMA
    )
)


# -- format detection ---------------------------------------------------------------------------
def detect_format(path: Path) -> str:
    """crtsh_json, crtsh_csv, get_entries, pem or der, from the first bytes of the file."""
    with open_maybe_compressed(path) as fh:
        head: bytes = fh.read(65536)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"-----BEGIN"):
        return "pem"
    if stripped[:1] == b"\x30" and head[:1] == b"\x30":
        return "der"
    text = stripped.decode("utf-8", "replace")
    if text[:1] in "[{":
        if '"leaf_input"' in text:
            return "get_entries"
        if '"name_value"' in text or '"issuer_ca_id"' in text:
            return "crtsh_json"
        if text.startswith("[]"):
            return "crtsh_json"
    first = text.split("\n", 1)[0]
    if "name_value" in first and "serial_number" in first and "," in first:
        return "crtsh_csv"
    raise SourceError(
        path,
        "not a certificate file: expected crt.sh JSON/CSV (issuer_name, name_value, serial_number, "
        "...), CT get-entries JSON (leaf_input, extra_data), or PEM/DER certificates",
    )


# -- staging -----------------------------------------------------------------------------------
def _create_stage(ctx: LoadContext) -> None:
    ctx.con.execute(f"create or replace temp table _ct_stage ({_STAGE_DDL})")


def _flush(ctx: LoadContext, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    table = pa.Table.from_pylist(rows, schema=STAGE_SCHEMA)
    ctx.con.register("_ct_batch", table)
    try:
        ctx.con.execute("insert into _ct_stage by name select * from _ct_batch")
    finally:
        ctx.con.unregister("_ct_batch")
    rows.clear()


def _stage_row(k: int, line: int | None, fmt: str, rec: CertRecord) -> dict[str, Any]:
    return {
        "k": k,
        "line": line,
        "source_format": fmt,
        "crtsh_id": None,
        "issuer_ca_id": None,
        "fingerprint_sha256": rec.fingerprint_sha256,
        "serial": rec.serial,
        "issuer_dn": rec.issuer_dn,
        "issuer_o": rec.issuer_o,
        "issuer_cn": rec.issuer_cn,
        "subject_dn": rec.subject_dn,
        "subject_o": rec.subject_o,
        "subject_cn": rec.subject_cn,
        "subject_c": rec.subject_c,
        "raw_names": rec.names,
        "not_before": rec.not_before,
        "not_after": rec.not_after,
        "is_precert": rec.is_precert,
        "entry_time": rec.entry_time,
    }


# -- crt.sh ------------------------------------------------------------------------------------
def _audit_crtsh_fields(ctx: LoadContext, fields: list[str]) -> None:
    missing = [f for f in CRTSH_REQUIRED if f not in fields]
    if missing:
        raise SourceError(ctx.path, f"crt.sh export without the field(s) {', '.join(missing)}")
    extra = [f for f in fields if f not in CRTSH_FIELDS and f not in CRTSH_OPTIONAL]
    if extra:
        ctx.issues.warn_once("extra", f"unexpected crt.sh field(s) ignored: {', '.join(extra)}")


def _first_json_object(ctx: LoadContext) -> dict[str, Any] | None:
    with open_text(ctx.path) as fh:
        head = fh.read(65536)
    start = head.find("{")
    if start < 0:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(head, start)
    except json.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def _stage_crtsh(ctx: LoadContext, fmt: str) -> None:
    compression = compression_of(ctx.path) or "none"
    if fmt == "crtsh_json":
        first = _first_json_object(ctx)
        if first is not None:
            _audit_crtsh_fields(ctx, list(first))
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in CRTSH_FIELDS) + "}"
        source = (
            f"read_json(?, format = 'array', columns = {columns}, compression = '{compression}', "
            "maximum_object_size = 67108864)"
        )
    else:
        with open_text(ctx.path) as fh:
            header = fh.readline().strip().split(",")
        _audit_crtsh_fields(ctx, [h.strip().strip('"') for h in header])
        source = f"read_csv(?, header = true, all_varchar = true, compression = '{compression}')"
    present = (
        CRTSH_FIELDS
        if fmt == "crtsh_json"
        else tuple(f for f in CRTSH_FIELDS if f in [h.strip().strip('"') for h in header])
    )
    cols = {c: (c if c in present else "null::varchar") for c in CRTSH_FIELDS}
    ctx.con.execute(
        f"""
        insert into _ct_stage by name
        with src as (
            select * from {source}
        ),
        final as (
            select
                row_number() over () as k,
                null::bigint as line,
                '{fmt}' as source_format,
                try_cast({cols["id"]} as bigint) as crtsh_id,
                try_cast({cols["issuer_ca_id"]} as bigint) as issuer_ca_id,
                null::varchar as fingerprint_sha256,
                nullif(ltrim(lower(replace(trim({cols["serial_number"]}), ':', '')), '0'), '') as serial,
                {cols["issuer_name"]} as issuer_dn,
                null::varchar as issuer_o,  -- parsed once per distinct issuer_dn, in _FINISH
                null::varchar as issuer_cn,
                null::varchar as subject_dn,
                null::varchar as subject_o,
                {cols["common_name"]} as subject_cn,
                null::varchar as subject_c,
                -- name_value usually lists the common name already; add it only when it does not
                case
                    when {cols["common_name"]} is null
                        or strpos(
                            chr(10) || {cols["name_value"]} || chr(10),
                            chr(10) || {cols["common_name"]} || chr(10)
                        ) > 0
                        then string_split(replace(coalesce({cols["name_value"]}, ''), chr(13), ''), chr(10))
                    else string_split(replace(coalesce({cols["name_value"]}, ''), chr(13), ''), chr(10))
                        || [{cols["common_name"]}]
                end as raw_names,
                try_cast({cols["not_before"]} as timestamp) as not_before,
                try_cast({cols["not_after"]} as timestamp) as not_after,
                null::boolean as is_precert,
                try_cast({cols["entry_timestamp"]} as timestamp) as entry_time
            from src
        )
        select * from final
        """,  # noqa: S608 - SQL assembled from fixed fragments; the path is a parameter
        [ctx.duckdb_path],
    )
    # Rows the SQL could not read: no serial, a bad id or bad dates, duplicate crt.sh ids.
    problems = ctx.con.execute(
        """
        select k, crtsh_id, serial is null, not_before is null or not_after is null
        from _ct_stage
        where serial is null or not_before is null or not_after is null
        order by k
        """
    ).fetchall()
    for k, cid, no_serial, no_dates in problems:
        what = f"crt.sh id {cid}" if cid is not None else f"record {k}"
        if no_serial:
            ctx.issues.reject(None, f"{what}: no serial_number; certificate skipped")
        elif no_dates:
            ctx.issues.warn(None, f"{what}: not_before/not_after is not a timestamp (kept without it)")
    ctx.con.execute("delete from _ct_stage where serial is null")
    dups = ctx.con.execute(
        """
        select crtsh_id, count(*) - 1 as extra
        from _ct_stage
        where crtsh_id is not null
        group by crtsh_id
        having count(*) > 1
        order by crtsh_id
        """
    ).fetchall()
    for cid, extra in dups:
        for _ in range(extra):
            ctx.issues.reject(None, f"crt.sh id {cid} appears more than once; duplicate skipped")
    if dups:
        ctx.con.execute(
            """
            delete from _ct_stage
            where k in (
                select k from (
                    select k, row_number() over (partition by crtsh_id order by k) as n
                    from _ct_stage
                    where crtsh_id is not null
                )
                where n > 1
            )
            """
        )


# -- certificate bytes -------------------------------------------------------------------------
def _get_entries_pages(ctx: LoadContext) -> Iterator[tuple[int, Any]]:
    """(line, decoded JSON value) per page: one object per file, or one per line (JSON lines)."""
    with open_text(ctx.path) as fh:
        first = fh.readline()
        try:
            value = json.loads(first)
        except json.JSONDecodeError:
            value = None
        if value is not None:  # JSON lines: one get-entries response per line
            yield 1, value
            for line_no, line in enumerate(fh, start=2):
                if not line.strip():
                    continue
                try:
                    yield line_no, json.loads(line)
                except json.JSONDecodeError as exc:
                    raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", line_no) from exc
            return
        rest = first + fh.read()
    try:
        yield 1, json.loads(rest)
    except json.JSONDecodeError as exc:
        raise SourceError(ctx.path, f"not valid JSON: {exc.msg}", exc.lineno) from exc


def _stage_get_entries(ctx: LoadContext) -> None:
    rows: list[dict[str, Any]] = []
    k = 0
    for line, page in _get_entries_pages(ctx):
        entries = page.get("entries") if isinstance(page, dict) else page
        if not isinstance(entries, list):
            raise SourceError(ctx.path, "get-entries JSON without an `entries` list", line)
        for entry in entries:
            k += 1
            if not isinstance(entry, dict):
                ctx.issues.reject(line, f"entry {k}: not a JSON object")
                continue
            extra = set(entry) - set(GET_ENTRIES_FIELDS)
            if extra:
                ctx.issues.warn_once("extra", f"unexpected get-entries field(s) ignored: {sorted(extra)}")
            try:
                rec = parse_log_entry(entry.get("leaf_input"), entry.get("extra_data"))
            except CertError as exc:
                ctx.issues.reject(line, f"entry {k}: {exc}")
                continue
            if not rec.has_san:
                ctx.issues.warn(line, f"entry {k}: certificate without subjectAltName (subject CN used)")
            rows.append(_stage_row(k, line, "get_entries", rec))
            if len(rows) >= BATCH:
                _flush(ctx, rows)
    _flush(ctx, rows)


_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----\r?\n(.*?)-----END \1-----", re.DOTALL)


def _stage_pem(ctx: LoadContext) -> None:
    import base64
    import binascii

    with open_text(ctx.path) as fh:
        text = fh.read()
    rows: list[dict[str, Any]] = []
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks:
        raise SourceError(ctx.path, "no complete PEM block (-----BEGIN ... / -----END ...)")
    for k, m in enumerate(blocks, start=1):
        line = text.count("\n", 0, m.start()) + 1
        if m.group(1) != "CERTIFICATE":
            ctx.issues.warn(line, f"PEM block {m.group(1)!r} is not a certificate; skipped")
            continue
        try:
            der = base64.b64decode("".join(m.group(2).split()), validate=True)
            rec = parse_der(der)
        except (binascii.Error, ValueError) as exc:
            ctx.issues.reject(line, f"certificate {k}: {exc}")
            continue
        if not rec.has_san:
            ctx.issues.warn(line, f"certificate {k}: no subjectAltName (subject CN used)")
        rows.append(_stage_row(k, line, "pem", rec))
    _flush(ctx, rows)


def _stage_der(ctx: LoadContext) -> None:
    der = ctx.path.read_bytes()
    try:
        rec = parse_der(der)
    except CertError as exc:
        raise SourceError(ctx.path, str(exc)) from exc
    if not rec.has_san:
        ctx.issues.warn(None, "certificate without subjectAltName (subject CN used)")
    _flush(ctx, [_stage_row(1, None, "der", rec)])


# -- shared finish -----------------------------------------------------------------------------
def _report_bad_names(ctx: LoadContext) -> None:
    """Names that are not DNS names (spaces, HTML, IP addresses) are dropped and reported; e-mail
    addresses (crt.sh lists rfc822Name SANs among the names) are dropped and counted once."""
    rows = ctx.con.execute(
        """
        select k, crtsh_id, line, raw, contains(raw, '@') as is_email
        from _ct_names
        where not ok
        order by k
        """
    ).fetchall()
    emails = 0
    for k, cid, line, name, is_email in rows:
        if is_email:
            emails += 1
            continue
        what = f"crt.sh id {cid}" if cid is not None else f"record {k}"
        ctx.issues.warn(line, f"{what}: name {name[:80]!r} is not a DNS name; dropped")
    if emails:
        ctx.issues.warn(None, f"{emails} e-mail address(es) among the certificate names ignored")


def ingest(ctx: LoadContext) -> int:
    """The `ct` kind: detect the format, stage, validate, fill the caches, insert raw_certificates."""
    fmt = detect_format(ctx.path)
    ctx.format = fmt
    _create_stage(ctx)
    try:
        if fmt in ("crtsh_json", "crtsh_csv"):
            _stage_crtsh(ctx, fmt)
        elif fmt == "get_entries":
            _stage_get_entries(ctx)
        elif fmt == "pem":
            _stage_pem(ctx)
        else:
            _stage_der(ctx)
        ctx.con.execute("create or replace temp table _ct_names as from ct_staged_names('_ct_stage')")
        _report_bad_names(ctx)
        caches.fill_name_domains(ctx.con, "select name from _ct_names where ok")
        caches.fill_org_names(ctx.con, "select subject_o from _ct_stage")
        ctx.con.execute(
            "insert into raw_certificates by name from ct_certificate_rows('_ct_stage', '_ct_names', ?)",
            [ctx.dataset_id],
        )
        row = ctx.con.execute(
            "select count(*), max(coalesce(entry_time, not_before))::date from raw_certificates "
            "where dataset_id = ?",
            [ctx.dataset_id],
        ).fetchall()[0]
    finally:
        ctx.con.execute("drop table if exists _ct_stage")
        ctx.con.execute("drop table if exists _ct_names")
    if row[1] is not None:
        ctx.snapshot_date = row[1]
    return int(row[0])
