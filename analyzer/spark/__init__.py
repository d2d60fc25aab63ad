"""The attribution on Apache Spark: the `sql/` views translated to Spark SQL (sqlglot) over an export.

Importing this package needs neither pyspark nor sqlglot (the optional extra `analyzer[spark]`);
`require()` says what to install when they are missing.
"""

from __future__ import annotations

import importlib.util
import shutil

from analyzer.errors import ConfigError

INSTALL_HINT = "install the Spark extra: pip install 'analyzer[spark]'"


def missing() -> str | None:
    """Why the Spark job cannot run here (a missing package or Java), or None."""
    for module in ("pyspark", "sqlglot"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed; {INSTALL_HINT}"
    if not shutil.which("java") and not _java_home():
        return "Java is not installed (Spark 4 needs Java 17 or later); install a JDK or set JAVA_HOME"
    return None


def _java_home() -> bool:
    import os
    from pathlib import Path

    home = os.environ.get("JAVA_HOME")
    return bool(home) and (Path(home) / "bin" / "java").is_file()


def require() -> None:
    """Raise ConfigError with the one-line fix when the Spark job cannot run."""
    reason = missing()
    if reason:
        raise ConfigError(reason)
