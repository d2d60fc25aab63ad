"""The error hierarchy: every expected failure is an AnalyzerError with a message that tells the fix."""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base of all expected errors; the CLI prints the message on one line and exits 1."""


class SourceError(AnalyzerError):
    """An input file is unreadable, of the wrong kind, or malformed beyond row-level recovery."""

    def __init__(self, path: object, problem: str, line: int | None = None) -> None:
        where = f"{path} line {line}" if line is not None else f"{path}"
        problem = " ".join(problem.split())  # one line, whatever a library's message held
        if len(problem) > 500:  # problems quote the file; a 10,000-character value is not echoed whole
            problem = problem[:499] + "…"
        super().__init__(f"{where}: {problem}")
        self.path = str(path)
        self.line = line
        self.problem = problem


class SQLError(AnalyzerError):
    """A view in sql/ failed to apply, or a user query failed."""


class ConfigError(AnalyzerError):
    """A bad option, environment variable, data file in datasets/ or database version."""
