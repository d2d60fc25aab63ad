"""A hostile corpus: the shipped demo data with every trick of issue 15 in its names, plus one
hostile file per ingest kind. Tests build databases from it and run every command over them."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import yaml

from analyzer.demo import demo_steps
from analyzer.ingest import ingest
from analyzer.workspace import Workspace

# Each demo company keeps its domains (so it is attributed) and gets a hostile name.
NAMES = {
    "Northwind Vision Technology Co., Ltd.": "[/bold] Northwind [link=https://evil.example]Click[/link]",
    "Contoso Surveillance Systems Ltd.": '=HYPERLINK("https://evil.example","Click") Contoso',
    "Fabrikam Biometrics Inc.": "+cmd|' /C calc'!A0 Fabrikam <img src=x onerror=alert(1)>",
    "Tailspin Analytics Group Limited": "@SUM(1+1) Tailspin <script>alert(1)</script> [md](javascript:alert(1))",
    "Woodgrove Signal Intelligence LLC": "-2+3 Woodgrove \u202eevil\u202c | *pipe*",
}
# What must never appear (unescaped) in Markdown from data.
LIVE_MARKDOWN = ("](javascript:", "<script", "<img")


def hostile_watchlist(folder: Path) -> Path:
    """The demo watchlist with hostile names, a `<b>` country and a bad domain added."""
    source = next(s for s in demo_steps() if s.kind == "watchlist").files[0]
    doc = yaml.safe_load(source.read_text(encoding="utf-8"))
    for entity in doc["entities"]:
        entity["name"] = NAMES.get(entity["name"], entity["name"])
    doc["entities"].append(
        {"name": "Long " + "x" * 10_000, "country": "<b>", "domains": ["300.1.2.3", "ok-domain.example"]}
    )
    path = folder / "hostile-watchlist.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def build_hostile_demo(db: Path) -> Path:
    """The demo database, its watchlist replaced by the hostile one; the attribution stored."""
    folder = db.parent
    ws = Workspace(db)
    try:
        for step in demo_steps():
            files = [hostile_watchlist(folder)] if step.kind == "watchlist" else list(step.files)
            ingest(ws, step.kind, files, options={"date": step.date} if step.date else None)
        ingest(ws, "dns", [hostile_dns(folder)], attribute=True)
    finally:
        ws.close()
    return db


def hostile_dns(folder: Path) -> Path:
    """FDNS JSON lines: good records beside an A that is no address, names with ESC and markup."""
    records = [
        {"timestamp": "1752969600", "name": "ok.hostile.example", "type": "a", "value": "192.0.2.1"},
        {"timestamp": "1752969600", "name": "bad-a.hostile.example", "type": "a", "value": "<script>"},
        {"timestamp": "1752969600", "name": "bad-aaaa.hostile.example", "type": "aaaa", "value": "zz::zz"},
        {
            "timestamp": "1752969600",
            "name": "esc\u001b[2J.hostile.example",
            "type": "a",
            "value": "192.0.2.2",
        },
        {"timestamp": "1752969600", "name": "[/x].hostile.example", "type": "a", "value": "192.0.2.3"},
        {"timestamp": "1752969600", "name": "x" * 10_000 + ".example", "type": "a", "value": "192.0.2.4"},
    ]
    path = folder / "hostile[1]*.json.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r) + "\n" for r in records)
    return path


def hostile_files(folder: Path, data: Path) -> dict[str, Path]:
    """One hostile file per ingest kind, every path under `m[/x] *?` (a rich closing tag and glob
    characters) and each name with glob characters of its own."""
    folder = folder / "m[" / "x] *?"
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    csl = (data / "watchman_consolidated_sample_2025.csv").read_text(encoding="utf-8")
    lines = csl.splitlines()
    out["csl"] = folder / "csl*.csv"
    out["csl"].write_text("\n".join([*lines[:3], lines[3].replace(",", ',"=HYPERLINK(""x"")', 1)]) + "\n")
    out["watchlist"] = hostile_watchlist(folder)
    aws = json.loads((data / "network" / "aws_ip_ranges_subset.json").read_text(encoding="utf-8"))
    aws["prefixes"] = [*aws["prefixes"][:3], 5, "not-an-object", {"ip_prefix": ["1.2.3.0/24"], "service": 7}]
    out["ranges"] = folder / "aws[1]?.json"
    out["ranges"].write_text(json.dumps(aws), encoding="utf-8")
    out["pfx2as"] = folder / "route[1].pfx2as"
    out["pfx2as"].write_text("1.0.0.0\t24\t13335\n\x1b[2J\t8\t1\n8.8.8.0\t24\t15169\n", encoding="utf-8")
    shutil.copy(data / "network" / "iptoasn_ip2asn-v4_sample.tsv", folder / "ip2asn[*].tsv")
    out["ip2asn"] = folder / "ip2asn[*].tsv"
    as2org = (data / "network" / "20240701.as-org2info.jsonl").read_text(encoding="utf-8").splitlines()
    as2org.append(json.dumps({"type": "ASN", "asn": "64500", "name": ["list"], "organizationId": {"o": 1}}))
    out["as2org"] = folder / "as2org [link=x].jsonl"
    out["as2org"].write_text("\n".join(as2org) + "\n", encoding="utf-8")
    out["dns"] = hostile_dns(folder)
    shutil.copy(data / "ct" / "crtsh_hikvision.json", folder / "crtsh*[1].json")
    out["ct"] = folder / "crtsh*[1].json"
    return out
