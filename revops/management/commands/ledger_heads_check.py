"""Check signed chain-head statements (written at period close) against the ledgers."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revops.ledger.heads import statement_problems


class Command(BaseCommand):
    help = (
        "Check signed chain-head statements: the signature, and that each ledger still holds the stated head."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "files", nargs="+", help="Statement files (REVOPS_LEDGER_HEADS_DIR/<org>/*.json)."
        )

    def handle(self, *args, files: list[str], **options):
        failed = 0
        for name in files:
            try:
                document = json.loads(Path(name).read_text())
            except (OSError, ValueError) as exc:
                raise CommandError(f"{name}: not a readable statement ({type(exc).__name__}).") from exc
            problems = statement_problems(document)
            if problems:
                failed += 1
                for problem in problems:
                    self.stderr.write(f"{name}: {problem}")
            else:
                heads = document["statement"]["ledgers"]
                self.stdout.write(f"{name}: holds ({len(heads)} ledger heads match).")
        if failed:
            raise CommandError(f"{failed} of {len(files)} statements no longer hold.")
