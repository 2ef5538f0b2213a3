"""manage.py import_sales FILE --profile NAME --org SLUG [--year --month] [--dry-run]."""

from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import sales transactions from a file described by an import profile (kind 'sales'); "
        "all rows or none. --year and --month give the period of files without dates."
    )
    kind_name = "sales"
