"""What an import refuses with: every problem, each naming its line and field where it has one."""

from __future__ import annotations


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
