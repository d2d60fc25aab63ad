"""`analyzer providers`: the catalog as users see it, with counts and where each fact came from."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.workspace import Workspace

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def providers_json(db: Path, *args: str) -> list[dict]:
    code, out, err = run("providers", "--json", "--db", str(db), *args)
    assert code == 0, err
    return json.loads(out)


def test_a_fresh_database_lists_the_whole_catalog_with_provenance(db_file: Path) -> None:
    rows = {r["provider_id"]: r for r in providers_json(db_file)}
    with Workspace(db_file) as ws:
        n = ws.rows("select count(*) as n from catalog_providers")[0]["n"]
        patterns = ws.rows(
            "select count(distinct (service, pattern)) as n from catalog_hostnames where provider_id = 'amazon'"
        )[0]["n"]
    assert len(rows) == n
    amazon = rows["amazon"]
    assert (amazon["parent"], amazon["country"]) == ("Amazon", "US")
    assert {"cdn", "dns_hosting", "web_hosting"} <= set(amazon["services"])
    assert amazon["hostname_patterns"] == patterns > 0
    assert amazon["asns"] > 0 and "providers.yaml" in amazon["asn_sources"]
    assert "providers.yaml" in amazon["sources"]
    # no range file is loaded yet
    assert amazon["ranges"] == 0 and amazon["range_sources"] == []


def test_loaded_ranges_are_counted_with_their_file(db_file: Path, data: Path) -> None:
    path = data / "network" / "cloudflare-v4-ip-ranges.txt"
    assert run("ingest", "ranges", str(path), "--db", str(db_file))[0] == 0
    (cloudflare,) = providers_json(db_file, "--search", "cloudflare")
    prefixes = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert cloudflare["ranges"] == len(prefixes)
    assert cloudflare["range_sources"] == [str(path)]


def test_search_matches_names_and_hostname_patterns_ignoring_case(db_file: Path) -> None:
    assert [r["provider_id"] for r in providers_json(db_file, "--search", "CloudFront.net")] == ["amazon"]
    by_parent = providers_json(db_file, "--search", "aliBABA")
    assert "alibaba" in {r["provider_id"] for r in by_parent}
    assert all("alibaba" in json.dumps(r).lower() for r in by_parent)
    assert providers_json(db_file, "--search", "no-such-provider-anywhere") == []


def test_csv_and_table_formats(db_file: Path) -> None:
    code, out, _ = run("providers", "--search", "amazon", "--format", "csv", "--db", str(db_file))
    assert code == 0 and out.splitlines()[0].startswith("provider_id,name,parent,country,services")
    code, out, _ = run("providers", "--search", "amazon", "--db", str(db_file))
    assert code == 0 and "1 providers" in out and "Amazon" in out
    code, _, err = run("providers", "--format", "xml", "--db", str(db_file))
    assert code == 1 and "--format 'xml'" in err


def test_a_hostile_provider_name_is_printed_escaped(db_file: Path) -> None:
    with Workspace(db_file) as ws:
        ws.execute(
            "insert into catalog_providers (provider_id, name, parent) values ('evil', ?, 'Evil')",
            ["Evil \x1b[2J [bold]Co[/bold]"],
        )
    code, out, _ = run("providers", "--search", "evil", "--db", str(db_file))
    assert code == 0 and "\x1b" not in out and "\\x1b[2J [bold]Co[/bold]" in out
