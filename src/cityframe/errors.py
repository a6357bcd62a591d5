"""Findings (what check reports) and the small exception tree the CLI maps to exit codes."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    r"""``text`` for a terminal: Unicode bidirectional controls spelled out (as ``\u202e``), never printed raw.

    A control printed raw reorders what follows it on the line, so a message could show another file name or
    value than the one it names ("Trojan Source", CVE-2021-42574).
    """
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def did_you_mean(wrong: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``""``: most wrong names and ids are typos."""
    close = difflib.get_close_matches(wrong, list(choices), n=1, cutoff=cutoff)
    return f"; did you mean '{close[0]}'?" if close else ""


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


class CityframeError(Exception):
    """An error the user can act on; the CLI prints it without a traceback."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n  hint: {self.hint}" if self.hint else message


class UsageError(CityframeError):
    """The command was asked for something that does not exist (an unknown city, a bad slug)."""

    exit_code = 2


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
