"""`analyzer export --parquet DIR`: the tables the attribution reads, as Parquet for other engines.

Which tables: every base table that the answer views read, transitively (`analyzer.sqlgraph`
follows `sql/`), so a table a new view reads is exported without a change here. DNS records are
hive-partitioned by source and observation date (`raw_dns_records/source=fdns/observed_on=2025-07-20/`),
the layout Spark prunes by. Column types Parquet cannot carry are widened: unsigned integers to the
next signed width (UBIGINT to DECIMAL(20,0)), UHUGEINT (IPv4/IPv6 interval bounds) to 16-byte
big-endian BINARY, which compares as the unsigned number it was (Spark compares BINARY unsigned).
`manifest.json` names the schema version, the datasets and every file with its sha256. The export is
written into a temporary folder beside DIR and renamed at the end: a failed export leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.sqlgraph import closure, definitions
from analyzer.version import __version__
from analyzer.workspace import Workspace, first_row, sql_files

EXPORT_FORMAT = "analyzer-parquet-export"
EXPORT_VERSION = 1
# The views whose inputs are exported: the answers the Spark job computes.
TARGETS = ("int_entity_services", "attr_domain_services", "attr_provider_summary")
# Tables partitioned on export, with the SQL of their partition columns (besides their own columns).
PARTITIONS: dict[str, tuple[str, ...]] = {"raw_dns_records": ("source", "observed_on")}
# DuckDB types Parquet (or Spark) cannot hold as they are -> (exported type, SQL over column {c}).
_WIDEN = {
    "UTINYINT": ("SMALLINT", "cast({c} as smallint)"),
    "USMALLINT": ("INTEGER", "cast({c} as integer)"),
    "UINTEGER": ("BIGINT", "cast({c} as bigint)"),
    "UBIGINT": ("DECIMAL(20,0)", "cast({c} as decimal(20, 0))"),
    "HUGEINT": ("DECIMAL(38,0)", "cast({c} as decimal(38, 0))"),
    "UHUGEINT": ("BINARY(16)", "unhex(lpad(hex({c}), 32, '0'))"),
}


@dataclass(frozen=True)
class ExportResult:
    folder: Path
    tables: dict[str, int]  # table -> rows
    files: int
    bytes: int

    def summary(self) -> str:
        rows = sum(self.tables.values())
        return (
            f"exported {len(self.tables)} tables, {rows:,} rows, {self.files} files "
            f"({self.bytes / 2**20:,.1f} MiB) to {self.folder}"
        )


def input_tables() -> list[str]:
    """The base tables the answer views read, in `sql/` order."""
    needed = closure(definitions(sql_files()), TARGETS)
    # a table created `as select` from a view (the stored answer) is derived, not an input
    return [
        d.name for d in needed if d.kind == "table" and " as select" not in " ".join(d.sql.lower().split())
    ]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(ws: Workspace, table: str) -> list[tuple[str, str]]:
    rows = ws.con.execute(
        "select column_name, data_type from duckdb_columns() where table_name = ? and schema_name = 'main' "
        "order by column_index",
        [table],
    ).fetchall()
    return [(str(n), str(t)) for n, t in rows]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _export_table(ws: Workspace, table: str, folder: Path) -> dict[str, Any]:
    cols = _columns(ws, table)
    if not cols:
        raise ConfigError(f"table {table} is not in this database; re-open it with this analyzer version")
    select, schema = [], []
    for name, dtype in cols:
        exported, expr = _WIDEN.get(dtype, (dtype, "{c}"))
        select.append(f"{expr.format(c='t.' + _quote(name))} as {_quote(name)}")
        schema.append({"name": name, "type": exported, "duckdb_type": dtype})
    target = folder / table
    partition_by = PARTITIONS.get(table, ())
    source = f"select {', '.join(select)} from {_quote(table)} as t"  # noqa: S608 (names from duckdb_columns)
    if partition_by:
        # source: the DNS file's label (a source name), else its format; path-safe
        source = (
            f"select {', '.join(select)}, regexp_replace(lower(coalesce(d.label, d.format)), '[^a-z0-9_.-]', '_', 'g') "  # noqa: S608
            f"as source from {_quote(table)} as t inner join datasets as d using (dataset_id)"
        )
        options = f"format parquet, partition_by ({', '.join(partition_by)}), write_partition_columns false"
        target.mkdir(parents=True)
        ws.con.execute(f"copy ({source}) to '{target.as_posix()}' ({options}, overwrite_or_ignore true)")
    else:
        target.mkdir(parents=True)
        ws.con.execute(f"copy ({source}) to '{(target / 'part-0.parquet').as_posix()}' (format parquet)")
    row = first_row(ws.con.execute(f"select count(*) from {_quote(table)}"))  # noqa: S608
    files = [
        {"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size, "sha256": _sha256(p)}
        for p in sorted(target.rglob("*.parquet"))
    ]
    return {
        "path": table,
        "rows": int(row[0]) if row else 0,
        "columns": schema,
        "partition_by": list(partition_by),
        "files": files,
    }


def export_parquet(ws: Workspace, out: Path, *, overwrite: bool = False) -> ExportResult:
    """Write the attribution's input tables under `out` with `manifest.json`; returns what was written."""
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        earlier = (out / "manifest.json").is_file()
        if not (overwrite and earlier):
            hint = " (or pass --overwrite to replace that earlier export)" if earlier else ""
            raise ConfigError(f"{out} exists and is not empty; pick a new folder{hint}")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        tables = {t: _export_table(ws, t, staging) for t in input_tables()}
        meta = dict(ws.con.execute("select key, value from analyzer_meta").fetchall())
        datasets = ws.rows(
            "select dataset_id, kind, format, source, sha256, snapshot_date, rows_loaded, label "
            "from datasets where status = 'loaded' order by dataset_id"
        )
        manifest = {
            "format": EXPORT_FORMAT,
            "export_version": EXPORT_VERSION,
            "schema_version": int(meta.get("schema_version") or 0),
            "analyzer_version": __version__,
            "sql_digest": meta.get("sql_digest"),
            "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "datasets": [{**d, "snapshot_date": str(d["snapshot_date"] or "") or None} for d in datasets],
            "tables": tables,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files = [f for t in tables.values() for f in t["files"]]
    return ExportResult(
        out, {t: v["rows"] for t, v in tables.items()}, len(files), sum(f["bytes"] for f in files)
    )


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of an export folder, checked for format and version."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        raise ConfigError(
            f"{folder} is not an analyzer export (no manifest.json); run `analyzer export --parquet`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from exc
    if manifest.get("format") != EXPORT_FORMAT or manifest.get("export_version") != EXPORT_VERSION:
        raise ConfigError(
            f"{path}: export format {manifest.get('format')} v{manifest.get('export_version')}, "
            f"this analyzer reads {EXPORT_FORMAT} v{EXPORT_VERSION}; re-export with this version"
        )
    return manifest
