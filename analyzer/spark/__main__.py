"""The Spark job as a program: `python -m analyzer.spark --input DIR --output DIR`, or through
spark-submit (`spark-submit scripts/spark_attribute.py --input DIR --output DIR`), where the master,
memory and cluster settings come from spark-submit itself."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from analyzer import spark as spark_pkg
from analyzer.errors import AnalyzerError, ConfigError


def _conf(pairs: Sequence[str]) -> dict[str, str]:
    conf = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--conf {pair!r}: expected KEY=VALUE")
        conf[key.strip()] = value.strip()
    return conf


def run(input_dir: Path, output_dir: Path, *, master: str | None, conf: Sequence[str] = ()):  # type: ignore[no-untyped-def]
    """Start (or join) a SparkSession and run the job; returns its JobResult."""
    spark_pkg.require()
    from analyzer.spark import job

    session = job.session(master, {"spark.ui.showConsoleProgress": "false", **_conf(conf)})
    return job.attribute(session, input_dir, output_dir)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="spark_attribute", description=__doc__)
    parser.add_argument("--input", type=Path, required=True, help="an `analyzer export --parquet` folder")
    parser.add_argument("--output", type=Path, required=True, help="folder for the answers (Parquet)")
    parser.add_argument(
        "--master", default=None, help="Spark master (default: spark-submit's, else local[2])"
    )
    parser.add_argument("--conf", action="append", default=[], help="Spark setting KEY=VALUE (repeatable)")
    args = parser.parse_args(argv)
    master = args.master
    if master is None and "pyspark.shell" not in sys.modules and not _submitted():
        master = "local[2]"
    try:
        result = run(args.input, args.output, master=master, conf=args.conf)
    except AnalyzerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


def _submitted() -> bool:
    """True under spark-submit: its JVM starts this Python and says where its gateway listens (the
    master then comes from spark-submit's --master)."""
    import os

    return "PYSPARK_GATEWAY_PORT" in os.environ


if __name__ == "__main__":
    raise SystemExit(main())
