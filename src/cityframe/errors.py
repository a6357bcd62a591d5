"""Findings (what check reports) and the small exception tree the CLI maps to exit codes."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Literal

Severity = Literal["error", "warning"]


def edits(first: str, second: str) -> int:
    """The number of one-letter edits (insert, delete, replace, swap two neighbors) from ``first`` to ``second``.

    The optimal-string-alignment distance, case ignored: ``police-departmnt`` is 1 from ``police-department``.
    """
    a, b = first.lower(), second.lower()
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


def typo_of(wrong: str, choices: Iterable[str]) -> str | None:
    """The choice ``wrong`` is most likely a typo of, or None: close in spelling, not merely similar in meaning.

    A typo is a few slips of the keyboard: one edit for words up to 4 letters, two up to 10, three beyond, and
    fewer than a third of the letters; or a shortening of the choice alone (``police-dept``). ``state-bias-hotline``
    is no typo of ``no-hate-line``; ``descripton`` is one of ``description``.
    """
    allowed = 1 if len(wrong) <= 4 else 2 if len(wrong) <= 10 else 3
    allowed = min(allowed, max(1, len(wrong) // 3))
    best: tuple[int, str] | None = None
    choices = list(choices)
    shortened = [c for c in choices if _abbreviates(wrong, c)]
    if len(shortened) == 1:
        return shortened[0]
    for choice in choices:
        if abs(len(choice) - len(wrong)) > allowed:
            continue
        distance = edits(wrong, choice)
        if distance <= allowed and (best is None or distance < best[0]):
            best = (distance, choice)
    return best[1] if best else None


def _abbreviates(short: str, full: str) -> bool:
    """``second`` of ``secondary``, ``police-dept`` of ``police-department``: each part a shortening of its own."""
    parts, full_parts = short.lower().split("-"), full.lower().split("-")

    def shortens(part: str, whole: str) -> bool:  # the same first letter, the rest in order: dept of department
        letters = iter(whole[1:])
        return part == whole or (len(part) >= 3 and part[0] == whole[0] and all(c in letters for c in part[1:]))

    return short.lower() != full.lower() and len(parts) == len(full_parts) and all(
        shortens(p, f) for p, f in zip(parts, full_parts, strict=True))


def did_you_mean(wrong: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` when ``wrong`` is a likely typo of a choice (see :func:`typo_of`), else ``""``."""
    close = typo_of(wrong, choices)
    return f"; did you mean '{close}'?" if close else ""


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    r"""``text`` for a terminal: Unicode bidirectional controls spelled out (as ``\u202e``), never printed raw.

    A control printed raw reorders what follows it on the line, so a message could show another file name or
    value than the one it names ("Trojan Source", CVE-2021-42574).
    """
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True, order=True)
class Finding:
    """One problem in a city's data, located as compilers locate them: ``file:line:col: path: message``."""

    file: str
    line: int
    col: int
    path: str
    message: str
    severity: Severity = "error"
    hint: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}" if self.line else self.file
        label = "" if self.severity == "error" else "warning: "
        text = f"{where}: {label}{self.path + ': ' if self.path else ''}{self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def as_dict(self) -> dict[str, object]:
        """The stable JSON form of a finding."""
        return asdict(self)


class ExitCode(IntEnum):
    """Every command's exit status, in one place (README, "Exit codes")."""

    OK = 0
    """Done; for ``check``: every city valid and complete."""
    FAILED = 1
    """The data is invalid or incomplete (or a build failed on it)."""
    USAGE = 2
    """The command was asked for something that does not exist: a bad option, an unknown city or revision."""
    INTERNAL = 3
    """A bug in cityframe, or an environment it cannot work in (a missing program such as git)."""


class CityframeError(Exception):
    """An error the user can act on; the CLI prints it without a traceback."""

    exit_code: int = ExitCode.FAILED

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n  hint: {self.hint}" if self.hint else message


class UsageError(CityframeError):
    """The command was asked for something that does not exist (an unknown city, a bad slug)."""

    exit_code = ExitCode.USAGE


class EnvironmentFailure(CityframeError):
    """Something cityframe needs from the machine is missing or broken (the ``git`` program, a system library)."""

    exit_code = ExitCode.INTERNAL


class ProjectNotFound(UsageError):
    """No folder with ``cities/`` was found."""


class DataError(CityframeError):
    """The city's data is invalid; carries every finding so that all problems are reported in one run."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(f"{len(findings)} error(s) in the city's data")
        self.findings = findings


class LocatedError(CityframeError):
    """One problem at one place of a city's files (a template override, a logo): exit 1, printed as a finding."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding

    def __str__(self) -> str:
        return str(self.finding)


class OutputExists(CityframeError):
    """``new`` refused to overwrite a file."""
