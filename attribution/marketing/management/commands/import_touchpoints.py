"""Import touchpoints in long format into one organization, all rows or none."""

from attribution.marketing.services.touch_import import IMPORT_KIND
from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = "Import marketing touchpoints (one touch per row, idempotent by external_id), all or nothing."
    kind_name = IMPORT_KIND
