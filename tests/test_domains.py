"""Hostnames and registrable domains, in Python and in SQL, agree with the Public Suffix List."""

from __future__ import annotations

import pytest

from analyzer.domains import normalize_hostname, registrable_domain
from analyzer.workspace import Workspace

CASES = [
    ("www.example.com", "example.com"),
    ("example.com", "example.com"),
    ("com", None),
    ("a.b.example.co.uk", "example.co.uk"),
    ("foo.bar.ck", "foo.bar.ck"),  # *.ck wildcard
    ("www.ck", "www.ck"),  # !www.ck exception
    ("x.github.io", "x.github.io"),  # private section
    ("d111.cloudfront.net", "d111.cloudfront.net"),
    ("a.b.c.kobe.jp", "b.c.kobe.jp"),
    ("city.kobe.jp", "city.kobe.jp"),
    ("mail.xn--bcher-vision-dlb.example", "xn--bcher-vision-dlb.example"),
    ("shop.example.com.cn", "example.com.cn"),
]


@pytest.mark.parametrize(("host", "expected"), CASES)
def test_registrable_domain_python(host: str, expected: str | None) -> None:
    assert registrable_domain(host) == expected


def test_registrable_domain_sql_agrees_with_python(ws: Workspace) -> None:
    for host, expected in CASES:
        row = ws.con.execute("select registrable_domain(?)", [host]).fetchone()
        assert row is not None
        assert row[0] == expected, host


def test_wildcard_san_gives_its_domain() -> None:
    assert registrable_domain("*.cdn.example.co.uk") == "example.co.uk"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("WWW.Example.COM.", "www.example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("*.Example.com", "*.example.com"),
        ("a" * 64 + ".example", None),
        ("a..example", None),
        (".".join(["abcdefghi"] * 26), None),  # 259 characters
        ("", None),
        ("bad name.example", None),
    ],
)
def test_normalize_hostname(raw: str, expected: str | None) -> None:
    assert normalize_hostname(raw) == expected
