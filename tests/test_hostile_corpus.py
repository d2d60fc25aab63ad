"""End to end over a hostile corpus (tests/hostile.py): one file per ingest kind with every trick of
issue 15 (markup, escapes, glob characters in the names, formulas, HTML, wrong JSON types, values that
are no addresses), then every command and every report format runs clean, nothing reaches the
terminal raw, and the HTML, Markdown and CSV outputs carry no live markup or formula."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from hostile import LIVE_MARKDOWN, build_hostile_demo, hostile_files
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.report import FORMATS

runner = CliRunner()
KINDS = ("watchlist", "csl", "ranges", "pfx2as", "ip2asn", "as2org", "dns", "ct")


def run(db: Path, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback is a failure, whatever the command
    return result.exit_code, result.stdout, result.stderr


def clean(text: str) -> None:
    """Nothing a terminal would act on: no ESC, no C1 or bidi controls, no bell."""
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text), text[:400]


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = build_hostile_demo(tmp_path_factory.mktemp("corpus") / "corpus.duckdb")
    return db


def test_every_hostile_file_ingests_in_one_clean_run(tmp_path: Path, data: Path) -> None:
    files = hostile_files(tmp_path / "files", data)
    db = tmp_path / "h.duckdb"
    for kind in KINDS:
        extra = ["--provider", "amazon"] if kind == "ranges" else []
        code, out, err = run(db, "ingest", kind, str(files[kind]), *extra)
        assert code == 0, (kind, err)
        clean(out + err)
        assert f"{kind}/" in out
    code, out, err = run(db, "datasets")
    assert code == 0
    clean(out + err)
    code, out, _ = run(db, "datasets", "--format", "json")
    sources = {Path(d["source"]).name: d for d in json.loads(out)}
    assert all("m[/x] *?" in d["source"] for d in sources.values())
    # glob characters are literal: each dataset is the one file named, with its own rows
    assert sources["hostile[1]*.json.gz"]["rows_loaded"] == 1
    assert sources["aws[1]?.json"]["rows_rejected"] == 3


def test_every_command_runs_clean_over_the_corpus(corpus_db: Path, tmp_path: Path) -> None:
    commands = [
        ["datasets"],
        ["datasets", "--issues", "1"],
        ["datasets", "--format", "csv"],
        ["entities"],
        ["entities", "--json"],
        ["entities", "--search", "Woodgrove"],
        ["sql", "select name, country from entities"],
        ["sql", "select * from datasets", "--format", "json"],
        ["lookup", "192.0.2.1", "northwind-vision.example", "esc\x1b[2J.example"],
        ["lookup", "northwind-vision.example", "--json"],
        ["explain", "Northwind"],
        ["explain", "contoso-surveillance.example"],
        ["explain", "[/bold] x"],
        ["domains", "Contoso"],
        ["domains", "Tailspin", "--json"],
        ["check"],
        ["ct-match"],
        ["attribute"],
    ]
    for args in commands:
        code, out, err = run(corpus_db, *args)
        assert code in (0, 1), (args, err)
        assert "Traceback" not in err
        clean(out + err)


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_has_no_live_markup_or_formula(corpus_db: Path, tmp_path: Path, fmt: str) -> None:
    out_path = tmp_path / f"report.{fmt}"
    code, _, err = run(corpus_db, "report", "--format", fmt, "--out", str(out_path))
    assert code == 0, err
    text = out_path.read_text(encoding="utf-8")
    if fmt == "html":
        # the page's own <script> (sorting) is there; the data's are escaped text
        assert "<script>alert(1)" not in text and "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
    if fmt == "md":
        for live in LIVE_MARKDOWN:
            assert not re.search(r"(?<!\\)" + re.escape(live), text), live
    if fmt == "csv":
        for name in (out_path, out_path.with_name(out_path.stem + ".matrix.csv")):
            for row in csv.reader(name.open(encoding="utf-8")):
                for cell in row:
                    assert cell[:1] not in ("=", "+", "@", "\t", "\r"), cell
                    assert not cell.startswith("-") or re.fullmatch(r"-\d+(\.\d+)?", cell), cell
    if fmt == "json":
        doc = json.loads(text)
        names = {row["entity_name"] for row in doc["entity_matrix"]}
        assert any(n.startswith("[/bold]") for n in names)  # JSON keeps the data as it is
    if fmt == "table":
        clean(text)
        assert "[/bold] Northwind" in " ".join(text.split())
