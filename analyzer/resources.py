"""Where the shipped `sql/` and `datasets/` folders are, in a checkout or an installed copy."""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from analyzer.errors import ConfigError


@cache
def project_root() -> Path:
    """The folder holding `sql/` and `datasets/`: $ANALYZER_HOME, the checkout, or share/analyzer."""
    candidates = []
    if os.environ.get("ANALYZER_HOME"):
        candidates.append(Path(os.environ["ANALYZER_HOME"]))
    candidates.append(Path(__file__).resolve().parent.parent)
    candidates.append(Path(sys.prefix) / "share" / "analyzer")
    for root in candidates:
        if (root / "sql").is_dir() and (root / "datasets").is_dir():
            return root
    raise ConfigError(
        "cannot find the sql/ and datasets/ folders; reinstall analyzer or set ANALYZER_HOME "
        "to the project checkout"
    )


def sql_dir() -> Path:
    return project_root() / "sql"


def datasets_dir() -> Path:
    return project_root() / "datasets"
