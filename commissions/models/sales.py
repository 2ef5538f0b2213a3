"""Harmonised sales data and the tables that resolve a source's names to reps and product lines."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from revops.models import OrganizationOwnedModel


class SalesTransaction(OrganizationOwnedModel):
    """One sale (or a return, with negative amounts) from any source, in one shape.

    Every row knows the upload it came from (`source_job`, `source_file`) and its line in that
    file (`source_row`); `dedupe_key` is unique per organization, so a file uploaded twice adds
    nothing.
    """

    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "revops.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(
        max_length=60, blank=True, help_text="Product or service code as the source names it."
    )
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.CharField(max_length=200, blank=True)
    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    document_number = models.CharField(max_length=64, blank=True, help_text="Invoice or order number.")
    date = models.DateField()
    invoice_date = models.DateField(
        null=True, blank=True, help_text="When the sale was invoiced (plans paid on the invoiced basis)."
    )
    quantity = models.DecimalField(max_digits=14, decimal_places=4, default=1)
    sales_amount = models.DecimalField(max_digits=18, decimal_places=2)
    revenue_amount = models.DecimalField(max_digits=18, decimal_places=2)
    commission_base = models.DecimalField(max_digits=18, decimal_places=2)
    currency = models.CharField(max_length=3)
    source_job = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_file = models.CharField(max_length=200, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True, help_text="Line of the source file.")
    dedupe_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "dedupe_key"], name="salestx_unique_dedupe_key"),
        ]
        indexes = [
            models.Index(fields=["organization", "date"], name="salestx_org_date"),
            models.Index(fields=["organization", "rep", "date"], name="salestx_org_rep_date"),
            models.Index(fields=["organization", "product_line", "date"], name="salestx_org_line_date"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number or self.dedupe_key} {self.date} {self.sales_amount}"


class CashReceipt(OrganizationOwnedModel):
    """Cash received against an invoice or order (negative: a refund), for plans paid on cash.

    Each receipt releases the same share of every sale of its document (`document_number`);
    see `commissions.engine.basis`. Like sales, every row knows its upload and line.
    """

    document_number = models.CharField(max_length=64)
    date = models.DateField()
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    source_job = models.ForeignKey(
        "revops.JobRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source_file = models.CharField(max_length=200, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "dedupe_key"], name="cashreceipt_unique_key"),
        ]
        indexes = [
            models.Index(fields=["organization", "document_number"], name="cashreceipt_org_document"),
            models.Index(fields=["organization", "date"], name="cashreceipt_org_date"),
        ]

    def __str__(self) -> str:
        return f"{self.document_number} {self.date} {self.amount}"


class RepAlias(OrganizationOwnedModel):
    """Another name a source uses for a rep ("J. Smith", "SMITHJ"): matched case-insensitively."""

    alias = models.CharField(max_length=160)
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name_plural = "rep aliases"
        constraints = [
            models.UniqueConstraint(fields=["organization", "alias"], name="repalias_unique_alias"),
        ]

    def __str__(self) -> str:
        return self.alias


class Territory(OrganizationOwnedModel):
    """A ZIP code or region that belongs to a rep, for one product line or for all of them."""

    code = models.CharField(max_length=40, help_text="ZIP/postal code or region name, as sources write it.")
    product_line = models.ForeignKey(
        "revops.ProductLine",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty: every product line.",
    )
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name_plural = "territories"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code", "product_line"], name="territory_unique_code_line"
            ),
            models.UniqueConstraint(
                fields=["organization", "code"],
                condition=models.Q(product_line__isnull=True),
                name="territory_unique_code_all_lines",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ServiceMapping(OrganizationOwnedModel):
    """A service an accounting export names, and the product line (and product) it belongs to."""

    service = models.CharField(max_length=160)
    product_line = models.ForeignKey("revops.ProductLine", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "revops.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "service"], name="servicemapping_unique_service"),
        ]

    def __str__(self) -> str:
        return self.service
