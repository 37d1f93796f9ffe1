"""One error type for everything a user can fix, carrying where it comes from.

The CLI prints these sorted by file and line and exits 2 (bad input) or 1 (validation of a
generated tree failed); anything else is a bug and shows a traceback only with ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, located as precisely as we know: ``file:line:column: key: message``."""

    file: str = ""
    line: int = 0
    key: str = ""
    message: str = ""
    column: int = 0

    def __str__(self) -> str:
        where = self.file
        if self.file and self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        parts = [p for p in (where, self.key) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class FgenError(Exception):
    """A failure the user can act on. Holds one or more problems, all reported together."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, problems: Problem | list[Problem] | str):
        if isinstance(problems, str):
            problems = [Problem(message=problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(set(problems), key=_sort_key)
        super().__init__("\n".join(str(p) for p in self.problems))


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.line, p.column, p.key, p.message)


class InputError(FgenError):
    """Manifests, names or arguments are wrong (exit 2)."""

    exit_code = EXIT_BAD_INPUT


class ValidationFailed(FgenError):
    """A generated or committed tree fails parse-back, cross-unit or terraform checks (exit 1)."""

    exit_code = EXIT_FAILED


class WriteError(FgenError):
    """The tree could not be written safely (symlinks, permissions, a full disk, a held lock)."""

    exit_code = EXIT_FAILED


@dataclass
class ProblemCollector:
    """Collects problems across a whole run so that all of them are reported at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str | Path = "", line: int = 0, key: str = "", message: str = "", column: int = 0) -> None:
        self.problems.append(Problem(str(file), line, key, message, column))

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self, cls: type[FgenError] = InputError) -> None:
        if self.problems:
            raise cls(self.problems)
