"""The Spark job: an `analyzer export` folder in, `attr_entity_services` (and the summary) out as Parquet.

The views are those of `sql/`, in file order, translated by `analyzer.spark.translate`; only the
definitions `TARGETS` need are built (`analyzer.sqlgraph`), so a new or renumbered file is
followed without a change here. Needs pyspark and sqlglot (`pip install 'analyzer[spark]'`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot

from analyzer.errors import ConfigError, SQLError
from analyzer.export import read_manifest
from analyzer.spark import pyspark_sql
from analyzer.spark.overrides import OVERRIDES
from analyzer.spark.psl import make_registrable_domain, rules_of
from analyzer.spark.translate import Macro, SparkOut, Translator, macro_of
from analyzer.sqlgraph import Definition, closure, definitions
from analyzer.version import __version__
from analyzer.workspace import sql_files

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# The answers the job writes, each a folder of Parquet files under --output.
TARGETS = ("attr_entity_services", "attr_provider_summary")

# Session settings the translation relies on (see analyzer/spark/translate.py for why).
SESSION_CONF = {
    "spark.sql.ansi.enabled": "false",  # DuckDB: out-of-range list index and failed try_cast are null
    "spark.sql.legacy.sizeOfNull": "false",  # size(NULL) is NULL, as DuckDB's len(NULL)
    "spark.sql.jsonGenerator.ignoreNullFields": "false",  # to_json keeps "key":null, as DuckDB
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.parquet.inferTimestampNTZ.enabled": "true",  # DuckDB TIMESTAMP has no time zone
    "spark.sql.cteRecursionLevelLimit": "200",
}


def session(master: str | None = "local[2]", conf: Mapping[str, str] | None = None) -> SparkSession:
    """A SparkSession with the settings the translated views need (`master` None: spark-submit's)."""
    builder = pyspark_sql().SparkSession.builder.appName("analyzer-attribution")
    if master:
        builder = builder.master(master)
    for key, value in {**SESSION_CONF, **(conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    for key, value in SESSION_CONF.items():  # also on a session that existed already
        spark.conf.set(key, value)
    return spark


def register_inputs(spark: SparkSession, folder: Path, manifest: Mapping[str, Any]) -> None:
    """Each exported table as a temporary view of its name, with its exported columns and types."""
    for name, table in manifest["tables"].items():
        path = (Path(folder) / table["path"]).as_posix()
        columns = table["columns"]
        reader = spark.read.option("basePath", path) if table["partition_by"] else spark.read
        if not table["files"]:
            schema = ", ".join(f"`{c['name']}` {_spark_type(c['type'])}" for c in columns)
            df = spark.createDataFrame([], schema)
        else:
            df = reader.parquet(path)
        typed = [
            f"cast(`{c['name']}` as {_spark_type(c['type'])}) as `{c['name']}`"
            if c["name"] in table["partition_by"]
            else f"`{c['name']}`"
            for c in columns
        ]
        df.selectExpr(*typed).createOrReplaceTempView(name)


def _spark_type(duck: str) -> str:
    return sqlglot.exp.DataType.build(duck, dialect="duckdb").sql(dialect=SparkOut)


# Translations already made in this process, by (statement, variables): the Spark SQL of a view
# depends only on the sql/ text and the column types of the export, which its schema version fixes.
_TRANSLATED: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}


@dataclass
class Plan:
    """The definitions to build, in order, and the macros and overrides by name."""

    steps: list[Definition]
    macros: dict[str, Macro]


def plan(targets: tuple[str, ...] = TARGETS) -> Plan:
    defs = definitions(sql_files())
    reads = {name: o.reads for name, o in OVERRIDES.items() if not o.ctes}
    steps = closure(defs, targets, reads)
    macros: dict[str, Macro] = {}
    # only the macros the targets read are parsed: others (the freshness fingerprint with its
    # default parameter) are DuckDB's alone, and sqlglot need not read them
    for d in steps:
        if d.kind != "macro":
            continue
        o = OVERRIDES.get(d.name)
        if o is None:
            macros[d.name] = macro_of(d)
        elif o.kind == "table_macro" and o.ctes:
            macros[d.name] = replace(macro_of(d), ctes=o.ctes)
        elif o.kind == "macro":
            body = sqlglot.parse_one(o.sql, read=SparkOut)
            macros[d.name] = Macro(d.name, o.params, body, is_table=False)
    return Plan(steps, macros)


def build_views(
    spark: SparkSession,
    manifest: Mapping[str, Any],
    variables: Mapping[str, Any] | None = None,
    targets: tuple[str, ...] = TARGETS,
) -> list[str]:
    """Create every view `targets` need as a Spark temporary view; returns their names in order."""
    p = plan(targets)
    table_overrides = {
        n: o.table_sql for n, o in OVERRIDES.items() if o.kind == "table_macro" and o.table_sql
    }
    tr = Translator(p.macros, table_overrides, variables)

    def schema_of(sql: str) -> list[tuple[str, str]]:
        return [(f.name, f.dataType.simpleString()) for f in spark.sql(sql).schema.fields]

    if "public_suffixes" in manifest["tables"]:
        rows = spark.table("public_suffixes").select("suffix", "kind").collect()
        spark.udf.register("analyzer_registrable_domain", make_registrable_domain(rules_of(rows)), "string")
    shared = _shared(p.steps)
    if os.environ.get("ANALYZER_SPARK_MATERIALISE") == "all":
        shared = {d.name for d in p.steps if d.kind == "view"}
    built = []
    for d in p.steps:
        if d.kind == "table":
            if d.name not in manifest["tables"]:
                raise ConfigError(
                    f"the export has no table {d.name} (view inputs changed since it was written); "
                    "re-run `analyzer export --parquet`"
                )
            continue
        if d.kind != "view":
            continue
        o = OVERRIDES.get(d.name)
        try:
            t0 = time.monotonic()
            key = (d.sql, tuple(sorted((k, str(v)) for k, v in (variables or {}).items())))
            if o is not None:
                body = o.sql
            elif key in _TRANSLATED:
                body = _TRANSLATED[key]
            else:
                body = _TRANSLATED[key] = tr.query(d.sql, schema_of)
            t1 = time.monotonic()
            if d.name in shared:
                # read by several later views: computed once, and its plan becomes a leaf for them
                df = spark.sql(body).localCheckpoint(eager=True)
                df.createOrReplaceTempView(d.name)
            else:
                spark.sql(f"create or replace temporary view {d.name} as {body}")
            if os.environ.get("ANALYZER_SPARK_TRACE"):
                shown = "materialised" if d.name in shared else "view"
                print(
                    f"-- {d.name}: translated {t1 - t0:.2f} s, {shown} {time.monotonic() - t1:.2f} s",
                    file=sys.stderr,
                )
        except (pyspark_sql().utils.AnalysisException, SQLError, ValueError) as exc:
            first = str(exc).strip().splitlines()[0][:400]
            raise SQLError(f"view {d.name} (sql/{d.file}) does not run on Spark: {first}") from exc
        built.append(d.name)
    return built


def _shared(steps: list[Definition]) -> set[str]:
    """Views that two or more of the later steps read: materialised once (Spark would re-plan and
    recompute a view at every reference, and the plans of the answer views grow past what its
    analyzer handles quickly)."""
    views = {d.name for d in steps if d.kind == "view"}
    readers: dict[str, int] = {}
    for d in steps:
        for name in d.reads & views:
            readers[name] = readers.get(name, 0) + 1
    reads = {name: o.reads for name, o in OVERRIDES.items() if not o.ctes}
    for d in steps:
        for name in set(reads.get(d.name, ())) & views:
            readers[name] = readers.get(name, 0) + 1
    return {name for name, n in readers.items() if n >= 2}


def spark_sql_of(view: str, spark: SparkSession | None = None) -> str:
    """The Spark SQL of one view as the job runs it (for `docs/spark.md` and debugging)."""
    p = plan((view,))
    d = next(s for s in p.steps if s.name == view)
    o = OVERRIDES.get(view)
    if o is not None:
        return o.sql
    table_overrides = {
        n: o.table_sql for n, o in OVERRIDES.items() if o.kind == "table_macro" and o.table_sql
    }

    def no_schema(sql: str) -> list[tuple[str, str]]:
        if spark is None:
            raise SQLError("UNION ALL BY NAME needs a Spark session to know the columns")
        return [(f.name, f.dataType.simpleString()) for f in spark.sql(sql).schema.fields]

    return Translator(p.macros, table_overrides).query(d.sql, no_schema)


@dataclass(frozen=True)
class JobResult:
    output: Path
    rows: dict[str, int]
    seconds: float

    def summary(self) -> str:
        counts = ", ".join(f"{name} {n:,} rows" for name, n in self.rows.items())
        return f"wrote {counts} to {self.output} in {self.seconds:.1f} s"


def attribute(
    spark: SparkSession,
    input_dir: Path,
    output_dir: Path,
    variables: Mapping[str, Any] | None = None,
    extra_views: tuple[str, ...] = (),
) -> JobResult:
    """Compute the answers (and `extra_views`, any other views of sql/) from an export folder and
    write each as Parquet under `output_dir`."""
    started = time.monotonic()
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    manifest = read_manifest(input_dir)
    register_inputs(spark, input_dir, manifest)
    names = TARGETS + tuple(v for v in extra_views if v not in TARGETS)
    build_views(spark, manifest, variables, names)
    rows = {}
    for name in names:
        df: DataFrame = spark.table(name)
        df.write.mode("overwrite").parquet((output_dir / name).as_posix())
        rows[name] = spark.read.parquet((output_dir / name).as_posix()).count()
    digest = hashlib.sha256((input_dir / "manifest.json").read_bytes()).hexdigest()
    (output_dir / "manifest.json").write_text(
        json.dumps(
            {
                "format": "analyzer-spark-attribution",
                "analyzer_version": __version__,
                "spark_version": spark.version,
                "input_manifest_sha256": digest,
                "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "variables": {k: str(v) for k, v in (variables or {}).items()},
                "tables": {name: {"path": name, "rows": n} for name, n in rows.items()},
            },
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    return JobResult(output_dir, rows, time.monotonic() - started)
