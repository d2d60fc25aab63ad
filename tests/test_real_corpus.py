"""Every real sample loads with the counts and the date its provenance implies (issue 18).

`tests/real_corpus.csv` has one row per (file, kind): the real files of `shared/datasets/real/`
(root `real`; the folder is `$ANALYZER_REAL_DATA`, else `../shared/datasets/real` beside the repo,
else `/work/shared/datasets/real`) and the real samples copied into `tests/data/` (root `tests`).
The expected values were counted from the files with other tools (zcat | wc -l, jq, Python's json,
csv, ipaddress and cryptography), never from what analyzer prints; where analyzer differs today the
row is `xfail` (strict) with today's behaviour in `reason`, so a fix flips it and a regression or
a new format shows up at once.

Columns: `outcome` is `load` (rows_loaded, rows_rejected, warnings, snapshot_date and date_source
are checked; warnings `*` = not pinned yet; snapshot_date `mtime` = the file's modification date, a
guess), `refuse` (one `error:` line naming the file and containing `error`, exit status 1, nothing
loaded) or `skip` (not an ingest input). `date_source` is one of option, content, file_name,
soa_serial, records, file_mtime: how `analyzer datasets` says the date was found.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import shlex
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.errors import AnalyzerError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

HERE = Path(__file__).parent
TABLE = HERE / "real_corpus.csv"
TESTS_DATA = HERE / "data"
DATE_SOURCES = {"option", "content", "file_name", "soa_serial", "records", "file_mtime"}
runner = CliRunner()


def real_root() -> Path | None:
    """The folder of real public samples, or None when this machine has none."""
    given = os.environ.get("ANALYZER_REAL_DATA")
    candidates = (
        [Path(given)]
        if given
        else [HERE.parent.parent / "shared/datasets/real", Path("/work/shared/datasets/real")]
    )
    return next((p for p in candidates if p.is_dir()), None)


@dataclass(frozen=True)
class Row:
    root: str
    file: str
    kind: str
    options: str
    outcome: str
    rows_loaded: str
    rows_rejected: str
    warnings: str
    snapshot_date: str
    date_source: str
    error: str
    status: str
    reason: str

    @property
    def id(self) -> str:
        return f"{self.root}:{self.file}:{self.kind or 'none'}"


def read_table() -> list[Row]:
    with TABLE.open(newline="", encoding="utf-8") as fh:
        return [Row(**rec) for rec in csv.DictReader(fh)]


ROWS = read_table()


def _params() -> Iterator[Any]:
    for row in ROWS:
        marks = [pytest.mark.xfail(strict=True, reason=row.reason)] if row.status == "xfail" else []
        yield pytest.param(row, id=row.id, marks=marks)


def _path(row: Row) -> Path:
    if row.root == "tests":
        return TESTS_DATA / row.file
    root = real_root()
    if root is None:
        pytest.skip("no shared/datasets/real folder here (set ANALYZER_REAL_DATA)")
    return root / row.file


def _options(row: Row) -> dict[str, Any]:
    """The `analyzer ingest` options of the row, as the CLI hands them to the library."""
    parser = argparse.ArgumentParser(exit_on_error=False)
    parser.add_argument("--provider")
    parser.add_argument("--source")
    parser.add_argument("--date", type=dt.date.fromisoformat)
    args = parser.parse_args(shlex.split(row.options))
    return {"provider": args.provider, "source": args.source, "date": args.date, "quiet": True}


def _cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _datasets(db: Path) -> list[dict[str, Any]]:
    code, out, err = _cli("--db", str(db), "datasets", "--format", "json")
    assert code == 0, err
    return json.loads(out) if out.strip() else []


def _mtime(path: Path) -> str:
    return dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC).date().isoformat()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty database with the schema applied once; each row loads into a copy of it (opening a
    copy takes milliseconds, building the schema half a second)."""
    path = tmp_path_factory.mktemp("corpus") / "template.duckdb"
    Workspace(path).close()
    return path


@pytest.mark.parametrize("row", list(_params()))
def test_real_file(row: Row, template_db: Path, tmp_path: Path) -> None:
    if row.outcome == "skip":
        pytest.skip(row.reason)
    path = _path(row)
    assert path.is_file(), f"{path} is in tests/real_corpus.csv but missing"
    db = tmp_path / "corpus.duckdb"
    shutil.copy(template_db, db)
    if row.outcome == "refuse":
        code, out, err = _cli(
            "--db", str(db), "ingest", row.kind, str(path), *shlex.split(row.options), "--quiet"
        )
        assert code == 1, f"not refused: {out.strip()}"
        assert err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
        assert path.name in err and row.error in err, err
        assert "Traceback" not in out + err
        assert _datasets(db) == []
        return
    assert row.outcome == "load", row.outcome
    ws = Workspace(db)
    try:
        ingest(ws, row.kind, [path], options=_options(row))
    except AnalyzerError as exc:
        pytest.fail(f"refused: {exc}")
    finally:
        ws.close()
    [record] = _datasets(db)
    expected: dict[str, Any] = {
        "status": "loaded",
        "rows_loaded": int(row.rows_loaded),
        "rows_rejected": int(row.rows_rejected),
        "warnings": None if row.warnings == "*" else int(row.warnings),
        "snapshot_date": _mtime(path) if row.snapshot_date == "mtime" else row.snapshot_date,
    }
    expected["date_source"] = row.date_source
    observed = {key: record[key] for key in expected}
    if row.warnings == "*":
        observed["warnings"] = None
    assert observed == expected


def test_table_names_every_real_file() -> None:
    """A new sample in the real folder needs its row; a row needs its file."""
    root = real_root()
    if root is None:
        pytest.skip("no shared/datasets/real folder here (set ANALYZER_REAL_DATA)")
    on_disk = {
        p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != "PROVENANCE.md"
    }
    in_table = {r.file for r in ROWS if r.root == "real"}
    assert sorted(on_disk - in_table) == [], "real files without a row in tests/real_corpus.csv"
    assert sorted(in_table - on_disk) == [], "rows naming files that are not in the real folder"


def test_table_is_well_formed() -> None:
    """Every row names an existing tests/data file, a known outcome, status and date source."""
    for row in ROWS:
        assert row.root in ("real", "tests"), row.id
        assert row.outcome in ("load", "refuse", "skip"), row.id
        assert row.status in ("pass", "xfail"), row.id
        assert row.status == "pass" or row.reason, f"{row.id}: an xfail row says why"
        if row.root == "tests":
            assert (TESTS_DATA / row.file).is_file(), row.id
        if row.outcome == "load":
            assert row.date_source in DATE_SOURCES, row.id
            assert row.snapshot_date == "mtime" or dt.date.fromisoformat(row.snapshot_date), row.id
            assert (row.snapshot_date == "mtime") == (row.date_source == "file_mtime"), row.id
    assert len({r.id for r in ROWS}) == len(ROWS), "duplicate rows"


def test_datasets_say_how_the_snapshot_date_was_found(template_db: Path, tmp_path: Path) -> None:
    """A file date is a guess, and the ingest line and `analyzer datasets` say so."""
    db = tmp_path / "corpus.duckdb"
    shutil.copy(template_db, db)
    fastly = TESTS_DATA / "network" / "fastly-ip-ranges.json"  # the file carries no date
    code, out, _ = _cli("--db", str(db), "ingest", "ranges", str(fastly), "--quiet")
    assert code == 0 and "(file date, a guess: pass --date)" in out, out
    [record] = _datasets(db)
    assert record.get("date_source") == "file_mtime"
    code, out, _ = _cli("--db", str(db), "datasets")
    assert code == 0 and "file date (guess)" in out, out
