"""Report schedules: a report e-mailed weekly or monthly to chosen members."""

from django.conf import settings
from django.db import models

from revops.models.base import OrganizationOwnedModel


class ReportFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly (Mondays)"
    MONTHLY = "monthly", "Monthly (the 1st)"


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel workbook"


class ReportSchedule(OrganizationOwnedModel):
    """A registered report (revops.reports.kit) sent by e-mail on a weekly or monthly beat.

    The file is built with the owner's scope at send time; every recipient must see at least
    what the owner sees (the owner, or a member whose deal scope is the whole organization and
    who holds the report's capabilities), checked when the schedule is saved and again when it
    is sent (revops.services.reports).
    """

    name = models.CharField(max_length=120)
    report = models.CharField(max_length=60, help_text="The report's key in the report registry.")
    period = models.CharField(max_length=24, help_text="The period the report covers, named as on the page.")
    account = models.ForeignKey(
        "revops.Account",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="For the account drilldown: the account it is about.",
    )
    frequency = models.CharField(max_length=10, choices=ReportFrequency.choices)
    fmt = models.CharField("format", max_length=8, choices=ReportFormat.choices, default=ReportFormat.PDF)
    # PROTECT: a schedule names who it is built for; a departing owner is deactivated, not deleted.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recipients = models.ManyToManyField(
        "revops.Membership", through="revops.ReportRecipient", related_name="report_schedules"
    )
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="report_schedule_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportRecipient(models.Model):
    """One member a schedule's file is mailed to."""

    schedule = models.ForeignKey(ReportSchedule, on_delete=models.CASCADE, related_name="recipient_rows")
    membership = models.ForeignKey("revops.Membership", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["schedule", "membership"], name="report_recipient_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.schedule_id} → {self.membership_id}"
