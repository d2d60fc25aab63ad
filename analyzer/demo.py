"""`analyzer demo`: build a database from the shipped, clearly illustrative demo data and report."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from rich.console import Console

from analyzer import domain_store, output
from analyzer.errors import ConfigError
from analyzer.ingest import ingest
from analyzer.report import build_report, rich_report, write_report
from analyzer.resources import shipped_file
from analyzer.watchlists.entities import find_entities
from analyzer.workspace import Workspace

DEMO_PLAN = "demo/demo.yaml"


@dataclass(frozen=True)
class DemoStep:
    kind: str
    files: tuple[Path, ...]
    date: dt.date | None


def demo_steps() -> list[DemoStep]:
    """The demo's files in load order (datasets/demo/demo.yaml); every one must be shipped."""
    plan = yaml.safe_load(shipped_file(DEMO_PLAN).read_text(encoding="utf-8")) or {}
    steps = []
    for step in plan.get("steps") or []:
        date = step.get("date")
        steps.append(
            DemoStep(
                kind=str(step["kind"]),
                files=tuple(shipped_file(str(f)) for f in step.get("files") or []),
                date=dt.date.fromisoformat(str(date)) if date else None,
            )
        )
    return steps


def build_demo(db: Path, console: Console) -> Workspace:
    """Re-create `db` from the demo files; returns the open workspace."""
    steps = demo_steps()  # before touching db: a missing shipped file is named, nothing is built
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    ws = Workspace(db)
    for step in steps:
        options = {"date": step.date} if step.date else None
        for result in ingest(ws, step.kind, step.files, options=options):
            console.print(f"  loaded {result.summary()}", highlight=False, markup=False)
    # a small database: every domain's answer is stored too, so attr_domain_services answers at once
    console.print(f"  {domain_store.store_all(ws).summary()}", highlight=False, markup=False)
    return ws


def _demo_report(ws: Workspace, db: Path, console: Console) -> None:
    """The full report, and the HTML page next to the database; no attribution is an error, not a report."""
    report = build_report(ws)
    if not report.claims:
        raise ConfigError(
            f"the demo loaded but attributed nothing (no rows in attr_entity_services of {db}); "
            "the shipped data or sql/ is incomplete: reinstall analyzer"
        )
    console.print(rich_report(report))
    html = db.with_suffix(".html")
    write_report(report, "html", html)
    console.print(f"HTML report: {html}", highlight=False, markup=False)


def run_demo(db: Path, console: Console) -> None:
    started = time.perf_counter()
    console.print(
        f"analyzer demo — illustrative data (fictional companies, .example domains) → {db}",
        highlight=False,
        markup=False,
    )
    with build_demo(db, console) as ws:  # an error closes it without its close hooks
        rows = find_entities(ws)
        output.render(
            rows,
            "table",
            ["entity_id", "name", "list_code", "country", "listed_on"],
            title="Demo watchlist",
            console=console,
        )
        _demo_report(ws, db, console)
    console.print(
        f"done in {time.perf_counter() - started:.1f} s; open it with `analyzer --db {db} sql ...`",
        highlight=False,
        markup=False,
    )
