"""The label sets of the answers (services, relationships, confidences), defined once in
datasets/labels.yaml and read from there by the report, the contracts and the catalog loader.

Read on first use (`labels.SERVICES`), not at import, so a broken install still fails with one
clear error line from the command that needs the file."""

from __future__ import annotations

from functools import cache
from typing import Any

import yaml

from analyzer.errors import ConfigError
from analyzer.resources import datasets_dir

# attribute -> (set in labels.yaml, field that must be true, or None for every entry)
_NAMES = {
    "SERVICES": ("services", None),
    "RELATIONSHIPS": ("relationships", None),
    "CONFIDENCES": ("confidences", None),
    "HOSTNAME_SERVICES": ("services", "catalog_hostnames"),
    "CATALOG_RELATIONSHIPS": ("relationships", "catalog"),
}


@cache
def _sets() -> dict[str, list[dict[str, Any]]]:
    path = datasets_dir() / "labels.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the label sets: {exc}") from exc
    sets: dict[str, list[dict[str, Any]]] = {}
    for name in ("services", "relationships", "confidences"):
        entries = doc.get(name)
        if not isinstance(entries, list) or not all(isinstance(e, dict) and e.get("id") for e in entries):
            raise ConfigError(f"{path}: `{name}` must be a list of entries with an id")
        sets[name] = entries
    return sets


def __getattr__(name: str) -> tuple[str, ...]:
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    key, flag = _NAMES[name]
    return tuple(str(e["id"]) for e in _sets()[key] if flag is None or e.get(flag))
