"""RFC 1035 zone files: directives, relative names, parentheses, quoted TXT, errors with line numbers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analyzer.errors import SourceError
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"
DAY = {"date": dt.date(2022, 1, 7)}


def rows(ws: Workspace) -> list[tuple]:
    return ws.con.execute("select name, rtype, value, preference, ttl from stg_dns_records").fetchall()


def test_zone_file_resolves_origin_at_sign_relative_names_and_ttls(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "examplevision.example.zone"], options=DAY)
    assert result.format == "zone" and result.rows_rejected == 0
    got = rows(ws)
    assert ("examplevision.example", "A", "203.0.113.10", None, 300) in got  # explicit TTL
    assert ("examplevision.example", "MX", "mail.examplevision.example", 10, 3600) in got  # $TTL 1h, relative
    assert ("examplevision.example", "NS", "ns2.example.net", None, 3600) in got  # absolute name
    assert ("www.examplevision.example", "CNAME", "examplevision.example.azureedge.net", None, 3600) in got
    assert ("v6.examplevision.example", "AAAA", "2001:db8::1", None, 600) in got  # TTL before class


def test_parentheses_span_lines_and_comments_inside_them_are_dropped(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "examplevision.example.zone"], options=DAY)
    soa = [r for r in rows(ws) if r[1] == "SOA"]
    assert soa == [
        (
            "examplevision.example",
            "SOA",
            "ns1.examplevision.example hostmaster.examplevision.example 2022010101 7200 3600 1209600 300",
            None,
            3600,
        )
    ]
    txt = {r[2] for r in rows(ws) if r[1] == "TXT"}
    assert "google-site-verification=abc123" in txt  # two strings over two lines, joined


def test_quoted_strings_keep_semicolons_and_decode_escapes(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "examplevision.example.zone"], options=DAY)
    txt = {r[0]: r[2] for r in rows(ws) if r[1] == "TXT" and not r[0].startswith("examplevision")}
    assert txt["quoted.examplevision.example"] == 'say "hi"; not a commentAB'  # \" and \065\066
    assert txt["_dmarc.examplevision.example"] == "v=DMARC1; p=none"


def test_bad_records_are_rejected_with_their_line_numbers(ws: Workspace) -> None:
    [result] = ingest(ws, "dns", [DNS / "bad.zone"], options=DAY)
    assert result.rows_loaded == 2 and result.rows_rejected == 2
    assert any("line 3" in m and "MX preference 'ten'" in m for m in result.messages)
    assert any("line 4" in m for m in result.messages)


def test_unclosed_parenthesis_stops_the_file_naming_the_line(ws: Workspace) -> None:
    with pytest.raises(SourceError, match=r"unclosed.zone line 3: '\(' is never closed"):
        ingest(ws, "dns", [DNS / "unclosed.zone"], options=DAY)
    assert ws.con.execute("select count(*) from raw_dns_records").fetchone() == (0,)


def test_relative_name_without_origin_is_rejected(ws: Workspace, tmp_path: Path) -> None:
    zone = tmp_path / "noorigin.txt"
    zone.write_text("www IN A 192.0.2.1\nabs.example. IN A 192.0.2.2\n", encoding="utf-8")
    [result] = ingest(ws, "dns", [zone], options=DAY)
    assert result.rows_loaded == 1
    assert any("line 1" in m and "before $ORIGIN" in m for m in result.messages)
