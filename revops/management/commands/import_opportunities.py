"""Import opportunities from a file into one organization, all rows or none."""

from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import opportunities from a file (validated; writes nothing if any row is bad)."
    kind_name = "opportunities"
