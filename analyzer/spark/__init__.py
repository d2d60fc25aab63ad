"""The attribution on Apache Spark: the `sql/` views translated to Spark SQL (sqlglot) over an export.

pyspark (a JVM engine of some 400 MB) is the optional extra `analyzer[spark]`: importing this
package does not need it, `require()` says what to install when it is missing, and `pyspark_sql()`
is the one place that loads it, after `require()`.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from types import ModuleType

from analyzer.errors import ConfigError

INSTALL_HINT = "install the Spark extra: pip install 'analyzer[spark]'"


def missing() -> str | None:
    """Why the Spark job cannot run here (a missing package or Java), or None."""
    for module in ("pyspark",):
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


def pyspark_sql() -> ModuleType:
    """`pyspark.sql`, loaded on first use by the job (the optional extra; one-line error if absent)."""
    require()
    return importlib.import_module("pyspark.sql")
