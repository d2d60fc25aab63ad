"""crt.sh exports (`?output=json`, and the CSV form of the same fields) into `_ct_stage`, read by
DuckDB with explicit columns.

crt.sh served two schemas: today's `issuer_ca_id, issuer_name, common_name, name_value, id,
entry_timestamp, not_before, not_after, serial_number`, and for years before it the same without
`common_name` and `serial_number`. A field missing in an export is empty, not fatal: a certificate
without a serial is keyed by its crt.sh id (sql/16_stg_certificates.sql). `name_value` lists the
identities crt.sh matched, one per line: DNS names, and for an organisation search (`?O=...`) the
organisation names themselves; ingest.py reads each line as what it is.
"""

from __future__ import annotations

import json
from typing import Any

from analyzer.compression import duckdb_readable
from analyzer.errors import SourceError
from analyzer.ingest.base import LoadContext, open_text

# crt.sh JSON fields (https://crt.sh/?q=example.com&output=json), in the order crt.sh writes them.
FIELDS = (
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
OPTIONAL = ("result_count",)
# Every schema crt.sh served has these; the others may be missing.
REQUIRED = ("issuer_name", "name_value")


def _audit_fields(ctx: LoadContext, fields: list[str]) -> None:
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise SourceError(ctx.path, f"crt.sh export without the field(s) {', '.join(missing)}")
    extra = [f for f in fields if f not in FIELDS and f not in OPTIONAL]
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


def stage(ctx: LoadContext, fmt: str) -> None:
    """Read the export into `_ct_stage`; report rows that cannot be keyed and duplicate crt.sh ids."""
    if fmt == "crtsh_json":
        first = _first_json_object(ctx)
        if first is not None:
            _audit_fields(ctx, list(first))
        # the fields of the first record are the schema (read_json gives a missing key as null)
        present = tuple(f for f in FIELDS if first is None or f in first)
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in FIELDS) + "}"
        reader = (
            f"read_json(?, format = 'array', columns = {columns}, compression = ?, "
            "maximum_object_size = 67108864)"
        )
    else:
        with open_text(ctx.path) as fh:
            header = [h.strip().strip('"') for h in fh.readline().strip().split(",")]
        _audit_fields(ctx, header)
        present = tuple(f for f in FIELDS if f in header)
        reader = "read_csv(?, header = true, all_varchar = true, compression = ?)"
    cols = {c: (c if c in present else "null::varchar") for c in FIELDS}
    with duckdb_readable(ctx.path) as (path, compression):
        ctx.con.execute(
            f"""
            insert into _ct_stage by name
            with src as (
                select * from {reader}
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
                    null::varchar as issuer_o,  -- parsed once per distinct issuer_dn (ct_certificate_rows)
                    null::varchar as issuer_cn,
                    null::varchar as subject_dn,
                    null::varchar as subject_o,
                    {cols["common_name"]} as subject_cn,
                    null::varchar as subject_c,
                    null::varchar[] as subject_o_candidates,  -- from name_value, after staging
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
            [path, compression],
        )
    _report_unkeyed(ctx, has_serials="serial_number" in present)
    _drop_duplicate_ids(ctx)


def _report_unkeyed(ctx: LoadContext, *, has_serials: bool) -> None:
    """A row with neither serial nor crt.sh id cannot be told apart from any other: rejected. In an
    export that has serials, one without is kept (keyed by its crt.sh id) and warned about; bad dates
    are kept (without them) and warned about."""
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
        if no_serial and cid is None:
            ctx.issues.reject(None, f"{what}: neither serial_number nor a valid id; certificate skipped")
            continue
        if no_serial and has_serials:
            ctx.issues.warn(None, f"{what}: no serial_number; kept, keyed by its crt.sh id")
        if no_dates:
            ctx.issues.warn(None, f"{what}: not_before/not_after is not a timestamp (kept without it)")
    ctx.con.execute("delete from _ct_stage where serial is null and crtsh_id is null")


def _drop_duplicate_ids(ctx: LoadContext) -> None:
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
