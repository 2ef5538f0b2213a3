"""Import aggregated paths (ChannelAttribution's format) into one organization, all rows or none."""

from attribution.marketing.services.path_import import IMPORT_KIND
from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import aggregated paths (path;total_conversions;total_conversion_value;total_null), all or nothing."
    )
    kind_name = IMPORT_KIND
