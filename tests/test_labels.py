"""The label sets of the answers are defined once, in datasets/labels.yaml, and every reader uses them."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer import catalog, labels
from analyzer.errors import ConfigError
from analyzer.report.query import Filters


def test_the_label_sets() -> None:
    assert labels.SERVICES == ("web_hosting", "cdn", "email", "email_sending", "dns_hosting", "tls_ca")
    assert labels.RELATIONSHIPS == (
        "customer",
        "via_intermediary",
        "self_hosted",
        "gateway",
        "verification_only",
    )
    assert labels.CONFIDENCES == ("high", "medium", "low")
    assert "tls_ca" not in labels.HOSTNAME_SERVICES and "self_hosted" not in labels.CATALOG_RELATIONSHIPS


def test_readers_take_them_from_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "labels.yaml").write_text(
        "services: [{id: web_hosting, catalog_hostnames: true}, {id: voip}]\n"
        "relationships: [{id: customer, catalog: true}]\nconfidences: [{id: high}]\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(labels, "datasets_dir", lambda: tmp_path)
    labels._sets.cache_clear()
    try:
        assert Filters(service="voip").service == "voip"
        with pytest.raises(ConfigError, match=r"--service 'cdn' is not one of: web_hosting, voip"):
            Filters(service="cdn")
        provider = tmp_path / "p.yaml"
        provider.write_text(
            "providers: [{id: x, name: X, hostnames: {voip: [x.example]}}]\n", encoding="utf-8"
        )
        with pytest.raises(ConfigError, match=r"unknown service 'voip'; expected one of web_hosting"):
            catalog.read_catalog([provider])
    finally:
        labels._sets.cache_clear()


def test_a_broken_label_file_names_itself(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "labels.yaml").write_text("services: web_hosting\n", encoding="utf-8")
    monkeypatch.setattr(labels, "datasets_dir", lambda: tmp_path)
    labels._sets.cache_clear()
    try:
        with pytest.raises(
            ConfigError, match=r"labels.yaml: `services` must be a list of entries with an id"
        ):
            _ = labels.SERVICES
    finally:
        labels._sets.cache_clear()
