"""`analyzer demo`: build a database from the shipped, clearly illustrative demo data and report."""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console

from analyzer import output
from analyzer.entities import find_entities
from analyzer.ingest import KINDS, ingest
from analyzer.resources import datasets_dir
from analyzer.workspace import Workspace

# (kind, glob under datasets/): loaded in this order; a kind whose ingest has not landed is named.
DEMO_STEPS: list[tuple[str, str]] = [
    ("watchlist", "demo/watchlist.yaml"),
    ("ranges", "ranges/*"),
    ("pfx2as", "demo/*.pfx2as"),
    ("as2org", "demo/*as-org2info*"),
    ("dns", "demo/dns/*"),
    ("ct", "demo/ct/*"),
]


def build_demo(db: Path, console: Console) -> Workspace:
    """Re-create `db` from the demo files; returns the open workspace."""
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    ws = Workspace(db)
    root = datasets_dir()
    missing = []
    for kind, pattern in DEMO_STEPS:
        files = sorted(p for p in root.glob(pattern) if p.is_file())
        if kind not in KINDS:
            missing.append(kind)
            continue
        for result in ingest(ws, kind, files):
            console.print(f"  loaded {result.summary()}", highlight=False)
    if missing:
        console.print(
            f"[yellow]not available yet in this version:[/] ingest of {', '.join(missing)}; "
            "the provider report needs them, so only the watchlist is shown."
        )
    return ws


def _demo_report(ws: Workspace, db: Path, console: Console) -> None:
    """The full report, and the HTML page next to the database, once the attribution views exist."""
    from analyzer.errors import SQLError
    from analyzer.report import build_report, rich_report, write_report

    try:
        report = build_report(ws)
    except SQLError as exc:
        console.print(f"[yellow]no provider report:[/] {exc}")
        return
    console.print(rich_report(report))
    html = db.with_suffix(".html")
    write_report(report, "html", html)
    console.print(f"HTML report: {html}")


def run_demo(db: Path, console: Console) -> None:
    started = time.perf_counter()
    console.print(
        f"[bold]analyzer demo[/] — illustrative data (fictional companies, .example domains) → {db}"
    )
    ws = build_demo(db, console)
    try:
        rows = find_entities(ws)
        output.render(
            rows,
            "table",
            ["entity_id", "name", "list_code", "country", "listed_on"],
            title="Demo watchlist",
            console=console,
        )
        _demo_report(ws, db, console)
    finally:
        ws.close()
    console.print(f"done in {time.perf_counter() - started:.1f} s; open it with `analyzer --db {db} sql ...`")
