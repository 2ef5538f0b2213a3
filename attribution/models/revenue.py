"""Revenue events: the money partners are attributed a share of."""

from django.db import models

from revops.models import OrganizationOwnedModel


class RevenueEvent(OrganizationOwnedModel):
    """An amount of revenue on a date, for a deal (split by its partners) or an account."""

    class Source(models.TextChoices):
        DAILY_ACCOUNT_REVENUE = "daily_account_revenue", "Daily account revenue"
        MONTHLY_ACCOUNT_REVENUE = "monthly_account_revenue", "Monthly account revenue"
        CLOSED_WON_BOOKING = "closed_won_booking", "Closed-won booking"
        IMPORT = "import", "Import"
        API = "api", "API"

    account = models.ForeignKey(
        "revops.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="revenue_events"
    )
    opportunity = models.ForeignKey(
        "revops.Opportunity", null=True, blank=True, on_delete=models.PROTECT, related_name="revenue_events"
    )
    date = models.DateField(db_index=True)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    source = models.CharField(max_length=24, choices=Source.choices, db_index=True)
    external_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~models.Q(external_id=""),
                name="revenueevent_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(opportunity__isnull=False),
                name="revenueevent_has_account_or_opportunity",
            ),
        ]
        # The amount is included so the partner performance page's gross revenue over a date
        # range is an index-only scan (a year of a big book is ~1,000,000 events).
        indexes = [
            models.Index(fields=["organization", "date"], include=["amount"], name="revenueevent_org_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"

    @property
    def scope(self) -> str:
        return "opportunity" if self.opportunity_id else "account"


class RevenueDayTotal(models.Model):
    """The organization's revenue events summed per day, kept by database triggers.

    Every insert, update and delete of `RevenueEvent` — through the import, the API, the demo,
    the admin or a bulk COPY — adjusts this table in the same statement (migration
    `attribution/0009`), so no writer can forget it. Pages that show an organization-wide gross
    revenue over a date range sum these rows (a few hundred a year) instead of the events
    (about a million a year for a large book). Amounts are integer cents.
    """

    organization = models.ForeignKey("revops.Organization", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    amount_cents = models.BigIntegerField(default=0)
    events = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="revenuedaytotal_org_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.events} events, {self.amount_cents} cents"
