"""django-import-export resources for the core reference data (accounts, partners, catalog).

Reference data imports straight into its tables, always inside one organization: the
organization comes from the request (the resource's `organization` argument), never from
the file. Existing rows are matched on (organization, external_id) or (organization,
code / sku), so an import can never update another organization's row. Opportunities
(money and status) are export-only here; their imports go through a validating job.
"""

from __future__ import annotations

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from revops.exceptions import ApplicationError
from revops.exports import export_text
from revops.models import Account, Opportunity, Organization, Partner, Product, ProductLine, User
from revops.text import clean_text

NO_ORGANIZATION = "An import needs an organization: choose one before importing."


class OrganizationForeignKeyWidget(ForeignKeyWidget):
    """Looks related rows up inside the importing organization only."""

    organization: Organization | None = None

    def get_queryset(self, value, row, *args, **kwargs):
        return self.model.objects.filter(organization=self.organization)


class MemberEmailWidget(ForeignKeyWidget):
    """A user given by e-mail, who must be a member of the importing organization."""

    organization: Organization | None = None

    def __init__(self, **kwargs):
        super().__init__(User, field="email", **kwargs)

    def get_queryset(self, value, row, *args, **kwargs):
        return User.objects.filter(memberships__organization=self.organization)

    def clean(self, value, row=None, **kwargs):
        return super().clean((value or "").strip().lower() or None, row, **kwargs)


OPPORTUNITY_IMPORT_REFUSED = "Opportunities are imported through the opportunity import job, not the admin."


class OrganizationResource(resources.ModelResource):
    """Base resource: every read and write stays inside `organization`."""

    def __init__(self, *, organization: Organization | None = None, **kwargs):
        super().__init__(**kwargs)
        self.organization = organization
        for field in self.fields.values():
            if isinstance(field.widget, OrganizationForeignKeyWidget | MemberEmailWidget):
                field.widget.organization = organization

    def export_field(self, field, instance, **kwargs):
        # Every admin export (CSV, XLSX, any format) goes through here: no cell runs as a formula
        # and no control character breaks the file.
        return export_text(super().export_field(field, instance, **kwargs))

    def get_queryset(self):
        if self.organization is None:
            return self._meta.model.objects.none()
        return self._meta.model.objects.filter(organization=self.organization)

    def init_instance(self, row=None):
        return self._meta.model(organization=self.organization)

    def get_instance(self, instance_loader, row):
        # A blank natural key never matches: the row is new (blank external ids are not unique).
        if any(
            not str(row.get(self.fields[name].column_name) or "").strip()
            for name in self.get_import_id_fields()
        ):
            return None
        return super().get_instance(instance_loader, row)

    def before_import(self, dataset, **kwargs):
        if self.organization is None:
            raise ValueError(NO_ORGANIZATION)
        if not dataset.headers or not any(str(h or "").strip() for h in dataset.headers):
            # A file of blank lines has no header row: refused with a message, not a 500 (the
            # rows are dropped first: django-import-export reads them after reporting the error).
            dataset.wipe()
            raise ValueError("line 1: the file has no header row (the first line must name the columns).")
        super().before_import(dataset, **kwargs)

    def before_import_row(self, row, **kwargs):
        # Control characters never reach a text column (they would break exports later).
        for key, value in list(row.items()):
            if isinstance(value, str):
                row[key] = clean_text(value)
        super().before_import_row(row, **kwargs)

    def before_save_instance(self, instance, row, **kwargs):
        # Belt and braces: whatever the file says, the row belongs to the importing organization.
        instance.organization = self.organization
        super().before_save_instance(instance, row, **kwargs)


class AccountResource(OrganizationResource):
    owner = fields.Field(attribute="owner", column_name="owner_email", widget=MemberEmailWidget())

    class Meta:
        model = Account
        fields = ("external_id", "name", "domain", "industry", "segment", "region", "owner")
        import_id_fields = ("external_id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class PartnerResource(OrganizationResource):
    class Meta:
        model = Partner
        fields = ("external_id", "name", "domain", "types", "tier", "status", "lifecycle_stage")
        import_id_fields = ("external_id",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ProductLineResource(OrganizationResource):
    class Meta:
        model = ProductLine
        fields = ("code", "name")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class ProductResource(OrganizationResource):
    product_line = fields.Field(
        attribute="product_line",
        column_name="product_line_code",
        widget=OrganizationForeignKeyWidget(ProductLine, field="code"),
    )

    class Meta:
        model = Product
        fields = ("sku", "name", "product_line", "list_price", "is_active")
        import_id_fields = ("sku",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True


class OpportunityExportResource(OrganizationResource):
    """Export only: money and status change through the opportunity services, not a file."""

    account = fields.Field(attribute="account__name", column_name="account", readonly=True)
    owner = fields.Field(attribute="owner__email", column_name="owner_email", readonly=True)
    product_line = fields.Field(
        attribute="product_line__code", column_name="product_line_code", readonly=True
    )

    class Meta:
        model = Opportunity
        fields = (
            "id",
            "external_id",
            "name",
            "account",
            "owner",
            "stage",
            "amount",
            "currency",
            "created_date",
            "expected_close_date",
            "close_date",
            "product_line",
            "lead_source",
        )

    def import_data(self, *args, **kwargs):
        # Money and stages go through the validated import service, never straight into the table.
        raise ApplicationError(OPPORTUNITY_IMPORT_REFUSED)
