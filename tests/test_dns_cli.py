"""The `analyzer ingest dns` command: one summary line per file, bad files as one red error line."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app

DNS = Path(__file__).parent / "data" / "dns"


def test_ingest_dns_prints_a_summary_per_file_and_skips_a_file_seen_before(db_file: Path) -> None:
    runner = CliRunner()
    args = ["--db", str(db_file), "ingest", "dns", str(DNS / "fdns_bad_lines.json.gz"), "--quiet"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "dns/fdns, snapshot 2022-01-01: 5 rows loaded, 5 rejected" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "already loaded" in again.output


def test_ingest_dns_bad_file_exits_1_with_the_problem(db_file: Path) -> None:
    result = CliRunner().invoke(
        app, ["--db", str(db_file), "ingest", "dns", str(DNS / "fdns_truncated.json.gz"), "--quiet"]
    )
    assert result.exit_code == 1
    assert "truncated gzip data: the file ends at byte 197" in result.output
