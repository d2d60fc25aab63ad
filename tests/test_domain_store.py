"""The stored domain answer (attr_domain_services, analyzer/domain_store.py): the same rows as the
live int_domain_services, whether every domain is stored at once or names are computed on demand
from their own records; refused when stale or incomplete; `analyzer check` on it or on a sample."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from analyzer import contracts, domain_store
from analyzer.cli import app
from analyzer.demo import build_demo
from analyzer.errors import ConfigError
from analyzer.workspace import Workspace, open_workspace

LIVE = (
    "select domain, service, provider_id, provider_name, provider_parent, provider_country, relationship, "
    "confidence, evidence, observed_on from int_domain_services"
)
ORDER = " order by domain, service, provider_id, observed_on"


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(db, Console(quiet=True)).close()
    return db


@pytest.fixture
def ws(demo_db: Path, tmp_path: Path) -> Workspace:
    copy = tmp_path / "demo.duckdb"
    shutil.copy(demo_db, copy)
    ws = open_workspace(copy)
    assert domain_store.coverage(ws) == "all"  # the demo stores every domain; start from none
    ws.con.execute("delete from analyzer_meta where key like 'domain_store_%'")
    return ws


def test_storing_every_domain_stores_exactly_the_live_answer(ws: Workspace) -> None:
    domain_store.store_all(ws)
    stored = ws.rows("select * from attr_domain_services" + ORDER)
    assert stored and stored == ws.rows(LIVE + ORDER)


def test_names_asked_are_answered_from_their_own_records_as_from_the_whole_snapshot(ws: Workspace) -> None:
    live = ws.rows(LIVE + ORDER)
    names = sorted({r["domain"] for r in live})
    services = {r["service"] for r in live}
    assert {"web_hosting", "email", "dns_hosting", "tls_ca"} <= services
    # every name, in two groups: the second is added to what the first stored
    half = len(names) // 2
    assert domain_store.services(ws, names[:half]) == [r for r in live if r["domain"] in names[:half]]
    assert domain_store.services(ws, names) == live
    assert domain_store.coverage(ws) == "names"
    # asked again: read from the store, nothing computed
    assert domain_store.store_names(ws, names[:3]) is None


def test_the_view_refuses_an_incomplete_or_stale_store(ws: Workspace) -> None:
    (name,) = {r["domain"] for r in ws.rows(LIVE + " limit 1")}
    domain_store.services(ws, [name])
    with pytest.raises(duckdb.Error, match="holds only the domains asked"):
        ws.con.execute("select * from attr_domain_services").fetchall()
    domain_store.store_all(ws)
    assert ws.rows("select count(*) as n from attr_domain_services")[0]["n"] > 0
    ws.con.execute(
        "insert into ct_analyst_decisions (entity_id, domain, decision, note) values ('x', 'y.example', 'link', 't')"
    )
    with pytest.raises(duckdb.Error, match="out of date"):
        ws.con.execute("select * from attr_domain_services").fetchall()
    assert domain_store.coverage(ws) is None
    assert domain_store.services(ws, [name]) == [r for r in ws.rows(LIVE + ORDER) if r["domain"] == name]


def test_sql_and_services_commands_answer_from_the_store(ws: Workspace) -> None:
    path = ws.path
    name = ws.rows(LIVE + ORDER + " limit 1")[0]["domain"]
    ws.close()
    runner = CliRunner()
    result = runner.invoke(app, ["--db", str(path), "services", name, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("domain,service,provider_id") and name in result.stdout
    query = "select count(*) as n from attr_domain_services"
    # read-only (the default) cannot complete the store: it says what to run
    result = runner.invoke(app, ["--db", str(path), "sql", query])
    assert result.exit_code == 1 and "run `analyzer attribute --all-domains`" in result.output
    result = runner.invoke(app, ["--db", str(path), "sql", "--write", query])
    assert result.exit_code == 0, result.output
    with open_workspace(path) as again:
        assert domain_store.coverage(again) == "all"


def test_check_runs_on_a_sample_until_every_domain_is_stored(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(contracts, "SAMPLE_NAMES", 8)
    assert contracts.check(ws) == []
    assert domain_store.coverage(ws) == "names"
    held = ws.rows("select count(*) as n from attr_domain_store_names")[0]["n"]
    assert 0 < held <= 8 + 2
    domain_store.store_all(ws)
    assert contracts.check(ws) == []


def test_check_reports_a_broken_contract_in_the_stored_rows(ws: Workspace) -> None:
    domain_store.store_all(ws)
    ws.con.execute("update attr_domain_services_store set confidence = 'certain' where service = 'email'")
    ws.con.execute("insert into attr_domain_services_store select * from attr_domain_services_store limit 1")
    failures = contracts.check(ws)
    assert any("confidence has values outside" in f and "'certain'" in f for f in failures)
    assert any("duplicate rows for grain" in f for f in failures)


def test_a_name_that_is_no_host_name_is_one_clear_error(ws: Workspace) -> None:
    with pytest.raises(ConfigError, match=r"not a domain or host name: '=1\+1'"):
        domain_store.services(ws, ["www.example.com", "=1+1"])
