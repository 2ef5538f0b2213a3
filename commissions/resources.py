"""django-import-export resources for the commission reference tables (admin import/export).

Inside one organization, like the core's resources: reps by e-mail (members of the importing
organization), product lines by code. Rows are matched on their natural key, so importing the
same file twice changes nothing.
"""

from __future__ import annotations

from import_export import fields

from commissions.models import BusinessObjective, CashReceipt, RepAlias, ServiceMapping, Territory
from revops.models import ProductLine
from revops.resources import MemberEmailWidget, OrganizationForeignKeyWidget, OrganizationResource


def _rep_field() -> fields.Field:
    return fields.Field(attribute="rep", column_name="rep_email", widget=MemberEmailWidget())


def _line_field() -> fields.Field:
    return fields.Field(
        attribute="product_line",
        column_name="product_line_code",
        widget=OrganizationForeignKeyWidget(ProductLine, field="code"),
    )


class _Meta:
    clean_model_instances = True
    skip_unchanged = True
    report_skipped = True


class RepAliasResource(OrganizationResource):
    rep = _rep_field()

    class Meta(_Meta):
        model = RepAlias
        fields = ("alias", "rep")
        import_id_fields = ("alias",)


class TerritoryResource(OrganizationResource):
    rep = _rep_field()
    product_line = _line_field()

    class Meta(_Meta):
        model = Territory
        fields = ("code", "product_line", "rep")
        import_id_fields = ("code", "product_line")


class ServiceMappingResource(OrganizationResource):
    product_line = _line_field()

    class Meta(_Meta):
        model = ServiceMapping
        fields = ("service", "product_line")
        import_id_fields = ("service",)


class BusinessObjectiveResource(OrganizationResource):
    rep = _rep_field()
    product_line = _line_field()

    class Meta(_Meta):
        model = BusinessObjective
        fields = ("rep", "product_line", "month", "amount")
        import_id_fields = ("rep", "product_line", "month")


class CashReceiptExportResource(OrganizationResource):
    """Export only: receipts carry money and come in through the payments import.

    The columns are the payments kind's fields, so an exported file imports again as it is."""

    class Meta:
        model = CashReceipt
        fields = ("dedupe_key", "document_number", "date", "amount", "source_file", "source_row")
        export_order = fields
