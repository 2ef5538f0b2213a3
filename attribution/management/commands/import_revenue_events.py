"""Import revenue events from a file into one organization, all rows or none, and post them."""

from attribution.services.revenue import IMPORT_KIND
from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import revenue events from a file (all or nothing, idempotent by external_id) and attribute them."
    kind_name = IMPORT_KIND
