"""The CT commands end to end on a database file: ingest ct, domains, link, unlink, ct-match."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app

runner = CliRunner()


def _run(db: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--db", str(db), *args])
    return result.exit_code, result.output


def test_domains_link_unlink(db_file: Path, data: Path) -> None:
    assert _run(db_file, "ingest", "watchlist", str(data / "ct" / "watchlist_ct.yaml"))[0] == 0
    code, text = _run(db_file, "ingest", "ct", str(data / "ct" / "crtsh_hikvision.json"))
    assert code == 0 and "5 rows loaded" in text
    code, text = _run(db_file, "domains", "Hikvision", "--json")
    assert code == 0, text
    doc = json.loads(text)
    assert doc["entity"]["name"] == "Hangzhou Hikvision Digital Technology Co., Ltd."
    assert {d["domain"]: d["confidence"] for d in doc["domains"]} == {
        "hikvision.com": "high",
        "hik-connect.com": "low",
    }
    code, text = _run(db_file, "link", "Hikvision", "ezvizlife.com", "--note", "EZVIZ is a Hikvision brand")
    assert code == 0 and "link: ezvizlife.com" in text
    code, text = _run(db_file, "unlink", "Hikvision", "hik-connect.com", "--note", "app domain, shared")
    assert code == 0
    doc = json.loads(_run(db_file, "domains", "Hikvision", "--json")[1])
    assert {d["domain"]: d["confidence"] for d in doc["domains"]} == {
        "ezvizlife.com": "analyst",
        "hikvision.com": "high",
    }
    code, text = _run(db_file, "domains", "Hikvision")
    assert code == 0 and "ezvizlife.com" in text and "analyst" in text


def test_errors_are_one_line(db_file: Path, data: Path) -> None:
    _run(db_file, "ingest", "watchlist", str(data / "ct" / "watchlist_ct.yaml"))
    code, text = _run(db_file, "link", "Technology", "x.com", "--note", "n")
    assert code == 1 and "matches 3 entities" in text
    code, text = _run(db_file, "link", "Dahua", "not a domain", "--note", "n")
    assert code == 1 and "is not a domain name" in text
    code, text = _run(db_file, "ct-match", "--threshold", "150")
    assert code == 1 and "outside 0-100" in text
    code, text = _run(db_file, "ct-match", "--threshold", "85")
    assert code == 0 and "matches" in text
