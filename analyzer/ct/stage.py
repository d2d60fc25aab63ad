"""The staging tables every CT format fills: `_ct_stage` (one row per certificate that is a subject:
a log entry, a crt.sh row, the leaf of a bundle or of a scan) and `_ct_chain` (the CA certificates
that came with a leaf: its chain, recorded as issuers, never as subjects)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from analyzer.ct.x509parse import CertRecord
from analyzer.ingest.base import LoadContext

BATCH = 20_000

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
        ("subject_o_candidates", pa.list_(pa.string())),
        ("raw_names", pa.list_(pa.string())),
        ("not_before", pa.timestamp("us")),
        ("not_after", pa.timestamp("us")),
        ("is_precert", pa.bool_()),
        ("entry_time", pa.timestamp("us")),
    ]
)

CHAIN_SCHEMA = pa.schema(
    [
        ("k", pa.int64()),  # the leaf's staged record
        ("position", pa.int32()),  # 1 = the certificate after the leaf (its issuer), 2 = the next, ...
        ("fingerprint_sha256", pa.string()),
        ("serial", pa.string()),
        ("subject_dn", pa.string()),
        ("subject_o", pa.string()),
        ("subject_cn", pa.string()),
        ("issuer_dn", pa.string()),
        ("not_before", pa.timestamp("us")),
        ("not_after", pa.timestamp("us")),
        ("is_ca", pa.bool_()),
    ]
)


def _ddl(schema: pa.Schema) -> str:
    types = {"int64": "bigint", "int32": "integer", "string": "varchar", "bool": "boolean"}
    return ", ".join(
        f"{f.name} {'varchar[]' if pa.types.is_list(f.type) else types.get(str(f.type), 'timestamp')}"
        for f in schema
    )


def create(ctx: LoadContext) -> None:
    ctx.con.execute(f"create or replace temp table _ct_stage ({_ddl(STAGE_SCHEMA)})")
    ctx.con.execute(f"create or replace temp table _ct_chain ({_ddl(CHAIN_SCHEMA)})")


def drop(ctx: LoadContext) -> None:
    for table in ("_ct_stage", "_ct_chain", "_ct_names"):
        ctx.con.execute(f"drop table if exists {table}")


def flush(ctx: LoadContext, rows: list[dict[str, Any]], table: str = "_ct_stage") -> None:
    """Append `rows` (dicts of the table's schema) to a staging table, then empty the list."""
    if not rows:
        return
    schema = STAGE_SCHEMA if table == "_ct_stage" else CHAIN_SCHEMA
    ctx.con.register("_ct_batch", pa.Table.from_pylist(rows, schema=schema))
    try:
        ctx.con.execute(f"insert into {table} by name select * from _ct_batch")  # noqa: S608 - fixed name
    finally:
        ctx.con.unregister("_ct_batch")
    rows.clear()


def row(k: int, line: int | None, fmt: str, rec: CertRecord) -> dict[str, Any]:
    """The `_ct_stage` row of a parsed certificate."""
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
        "subject_o_candidates": None,
        "raw_names": rec.names,
        "not_before": rec.not_before,
        "not_after": rec.not_after,
        "is_precert": rec.is_precert,
        "entry_time": rec.entry_time,
    }


def chain_row(k: int, position: int, rec: CertRecord) -> dict[str, Any]:
    """The `_ct_chain` row of a CA certificate that came after leaf `k`."""
    return {
        "k": k,
        "position": position,
        "fingerprint_sha256": rec.fingerprint_sha256,
        "serial": rec.serial,
        "subject_dn": rec.subject_dn,
        "subject_o": rec.subject_o,
        "subject_cn": rec.subject_cn,
        "issuer_dn": rec.issuer_dn,
        "not_before": rec.not_before,
        "not_after": rec.not_after,
        "is_ca": rec.is_ca,
    }
