"""manage.py import_payments FILE --profile NAME --org SLUG [--dry-run]."""

from revops.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import cash received against invoices or orders (kind 'payments') for plans paid on cash; "
        "all rows or none."
    )
    kind_name = "payments"
