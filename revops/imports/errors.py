"""What an import refuses with: every problem, each naming its line and field where it has one."""

from __future__ import annotations

import re
from dataclasses import dataclass


class ImportRefused(Exception):
    """The file or some rows are wrong; `errors` lists every problem, nothing was written."""

    def __init__(self, errors: list[str], total: int | None = None):
        self.total = len(errors) if total is None else total
        super().__init__(f"{self.total} error(s); nothing was imported.")
        self.errors = errors


class FileRefused(ImportRefused):
    """The file as a whole cannot be read as its profile says; `message` tells the user why."""

    def __init__(self, message: str):
        super().__init__([message])
        self.message = message


# The last line of a stored error text when it lists only the first problems.
ERROR_MORE = "… and {n} more problem(s) not shown."
_PROBLEM = re.compile(r"^line (?P<line>\d+)(?:, (?P<field>[^:]+))?: (?P<message>.*)$")
_MORE = re.compile("^" + re.escape(ERROR_MORE).replace(r"\{n\}", r"(?P<n>\d+)") + "$")
PROBLEMS_SHOWN = 3  # a job's first problems; the rest open on demand


@dataclass(frozen=True)
class Problem:
    """One problem of an import: its line and field where it names them, and what is wrong."""

    message: str
    line: int | None = None
    field: str = ""


@dataclass(frozen=True)
class ProblemList:
    problems: list[Problem]
    not_shown: int  # problems the stored text left out ("… and N more")

    @property
    def total(self) -> int:
        return len(self.problems) + self.not_shown

    @property
    def first(self) -> list[Problem]:
        return self.problems[:PROBLEMS_SHOWN]

    @property
    def rest(self) -> list[Problem]:
        return self.problems[PROBLEMS_SHOWN:]


def problem_list(text: str) -> ProblemList:
    """The problems of a job's error text, one a line ("line 7, amount: not a number")."""
    problems, not_shown = [], 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        more = _MORE.match(line)
        if more:
            not_shown += int(more["n"])
            continue
        found = _PROBLEM.match(line)
        if found:
            problems.append(Problem(found["message"], int(found["line"]), (found["field"] or "").strip()))
        else:
            problems.append(Problem(line))
    return ProblemList(problems, not_shown)
