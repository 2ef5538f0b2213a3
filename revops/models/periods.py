"""Monthly fiscal periods; a closed period takes no new ledger entries."""

from django.conf import settings
from django.db import models

from revops.models.base import OrganizationOwnedModel


class FiscalPeriod(OrganizationOwnedModel):
    """One calendar month of an organization's books, open or closed."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    start_date = models.DateField(help_text="First day of the month.")
    end_date = models.DateField(help_text="Last day of the month.")
    fiscal_year = models.PositiveSmallIntegerField()
    fiscal_quarter = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization", "start_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "start_date"], name="period_one_per_month"),
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="period_end_after_start"
            ),
            models.CheckConstraint(condition=models.Q(start_date__day=1), name="period_starts_on_first"),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="period_closed_has_timestamp",
            ),
        ]

    def __str__(self) -> str:
        return self.start_date.strftime("%Y-%m")

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def label(self) -> str:
        return f"{self.start_date:%b %Y} (FY{self.fiscal_year} Q{self.fiscal_quarter})"
