"""CNAME chains and name -> address resolution in SQL (sql/15, 23-25): hops in order, loops, dangling
and too-deep chains, direct addresses with empty hops, the latest snapshot per name, SPF includes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analyzer.ingest import ingest
from analyzer.workspace import Workspace

DNS = Path(__file__).parent / "data" / "dns"


def chain(ws: Workspace, name: str) -> dict:
    [row] = ws.rows("select * from int_name_chains where name = ?", [name])
    return row


def test_chain_keeps_every_hop_in_order_and_ends_at_the_addressed_name(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])
    c = chain(ws, "www.examplevision.example")
    assert c["hops"] == ["www.examplevision.example.edgekey.net", "e1234.a.akamaiedge.net"]
    assert (c["final_name"], c["depth"], c["status"]) == ("e1234.a.akamaiedge.net", 2, "ok")


def test_loop_and_dangling_chains_are_reported(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])
    assert chain(ws, "loop1.examplevision.example")["status"] == "loop"
    dangling = chain(ws, "cdn.examplevision.example")  # its cloudfront target has no A/AAAA loaded
    assert (dangling["status"], dangling["final_name"]) == ("dangling", "d111111abcdef8.cloudfront.net")


def test_chains_longer_than_16_hops_are_too_deep(ws: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "deep.csv"
    lines = ["name,type,value"] + [f"h{i}.deep.example,CNAME,h{i + 1}.deep.example" for i in range(20)]
    csv.write_text("\n".join([*lines, "h20.deep.example,A,192.0.2.1"]) + "\n", encoding="utf-8")
    ingest(ws, "dns", [csv], options={"date": dt.date(2022, 1, 1)})
    c = chain(ws, "h0.deep.example")
    assert (c["status"], c["depth"], len(c["hops"])) == ("too_deep", 16, 16)
    assert chain(ws, "h5.deep.example")["status"] == "ok"  # 15 hops: within the limit


def test_addresses_direct_and_through_the_chain(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "fdns_sample.json.gz"])
    rows = {
        (r["name"], r["address"]): r
        for r in ws.rows("select * from int_name_addresses where name like '%examplevision.example'")
    }
    direct = rows[("examplevision.example", "52.84.10.1")]
    assert (direct["hops"], direct["final_name"], direct["family"]) == ([], "examplevision.example", 4)
    assert rows[("examplevision.example", "2600:9000:2000:0:0:0:0:1")]["family"] == 6
    via = rows[("www.examplevision.example", "23.45.67.89")]
    assert via["hops"][-1] == via["final_name"] == "e1234.a.akamaiedge.net"
    assert not any(name.startswith(("loop", "cdn.")) for name, _ in rows)


def test_latest_snapshot_per_name_is_the_default_and_older_stay_queryable(ws: Workspace) -> None:
    ingest(ws, "dns", [DNS / "openintel_sample.gz.parquet", DNS / "day2" / "openintel_day2.gz.parquet"])
    latest = ws.rows(
        "select value, observed_on from int_dns_latest where name = 'examplevision.example' and rtype = 'A'"
    )
    assert latest == [{"value": "52.84.10.2", "observed_on": dt.date(2022, 1, 3)}]
    older = ws.rows(
        "select address from int_name_addresses where name = 'examplevision.example' and observed_on = ? and family = 4",
        [dt.date(2022, 1, 2)],
    )
    assert older == [{"address": "52.84.10.1"}]


def test_spf_includes_with_qualifiers(ws: Workspace, tmp_path: Path) -> None:
    csv = tmp_path / "spf.csv"
    csv.write_text(
        'name,type,value\nmail.example,TXT,"v=spf1 ip4:192.0.2.0/24 include:_spf.google.com ~include:amazonses.com -all"\n'
        "redir.example,TXT,v=spf1 redirect=spf.mail.qq.com\nnot-spf.example,TXT,include:nothing.example\n",
        encoding="utf-8",
    )
    ingest(ws, "dns", [csv], options={"date": dt.date(2022, 1, 1)})
    got = {
        (r["name"], r["target"], r["mechanism"], r["qualifier"])
        for r in ws.rows("select * from int_spf_includes")
    }
    assert got == {
        ("mail.example", "_spf.google.com", "include", "+"),
        ("redir.example", "spf.mail.qq.com", "redirect", "+"),
    }  # "~include:" does not authorise sending: only + (or unqualified) includes are listed


def test_regex_patterns_match_whatever_literal_prefilter_they_get(ws: Workspace, tmp_path: Path) -> None:
    # each regex is tried only on hosts holding its longest required literal: alternatives outside a
    # group, optional characters and counted repetitions must not make a host be skipped
    patterns = {
        "alt": r"^mx\.alt-one\.example$|^mx\.alt-two\.example$",
        "opt": r"(^|\.)mailx?\.opt\.example$",
        "count": r"(^|\.)ab{0,2}c\.count\.example$",
        "group": r"(^|\.)relay-(eu|us)\.(grp|grq)\.example$",
    }
    hosts = {
        "mx.alt-two.example": "alt",
        "mail.opt.example": "opt",
        "ac.count.example": "count",
        "relay-us.grq.example": "group",
        "mx.alt-three.example": None,
        "relay-xx.grp.example": None,
    }
    for pid, rx in patterns.items():
        ws.execute(
            "insert into catalog_hostnames values (?, 'email', ?, 'regex', 'customer', 'test', false)",
            [pid, rx],
        )
    csv = tmp_path / "mx.csv"
    csv.write_text("".join(f"d{i}.example,MX,10 {h}\n" for i, h in enumerate(hosts)), encoding="utf-8")
    ingest(ws, "dns", [csv], options={"date": dt.date(2022, 1, 1)})
    got = dict(
        ws.con.execute(
            "select host, provider_id from int_host_providers where service = 'email' and source = 'test'"
        ).fetchall()
    )
    assert got == {h: p for h, p in hosts.items() if p}
