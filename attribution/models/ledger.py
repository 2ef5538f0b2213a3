"""The attribution ledger: append-only, hash-chained entries, and the seal of each closed period."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from attribution.models.links import PartnerRole
from revops.ledger import chain_hash


class AttributionEntry(models.Model):
    """One partner's share of one revenue event, posted in one fiscal period.

    Never updated or deleted (database triggers refuse it): a change is posted as a reversal
    or an adjustment that references the entry it corrects. `hash` chains every entry of an
    organization to the one before it (see revops.ledger.chain_hash).
    """

    class Kind(models.TextChoices):
        ORIGINAL = "original", "Original"
        REVERSAL = "reversal", "Reversal"
        ADJUSTMENT = "adjustment", "Adjustment"

    class Scope(models.TextChoices):
        OPPORTUNITY = "opportunity", "Opportunity"
        ACCOUNT = "account", "Account"

    # Indexes: every read of the ledger is scoped to one organization, so the composite indexes
    # in Meta serve them (organization + sequence/period/partner, event + partner + role). The
    # foreign keys' own single-column indexes would only slow bulk postings down (each one is
    # written for every row), so they are left out except revenue_period's (an API filter).
    organization = models.ForeignKey(
        "revops.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    sequence = models.PositiveBigIntegerField()
    revenue_event = models.ForeignKey(
        "attribution.RevenueEvent", on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    partner = models.ForeignKey(
        "revops.Partner", on_delete=models.PROTECT, related_name="attribution_entries", db_index=False
    )
    role = models.CharField(max_length=16, choices=PartnerRole.choices)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    split_percent = models.DecimalField(max_digits=5, decimal_places=2)
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ORIGINAL)
    reverses = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections", db_index=False
    )
    period = models.ForeignKey(
        "revops.FiscalPeriod",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Posted in.",
        db_index=False,
    )
    # The revenue period and the rule version carry no database foreign key: checking them
    # for every row at commit cost a fifth of a large posting, and both are validated per
    # posting instead (attribution.services.ledger_writer._check_references): the period must
    # be the organization's, the rule version one of its rules' (versions are never deleted,
    # and the hash chain covers both ids).
    revenue_period = models.ForeignKey(
        "revops.FiscalPeriod",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Revenue date's period.",
        db_constraint=False,
    )
    rule_version = models.ForeignKey(
        "attribution.AttributionRuleVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    explanation = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["organization", "sequence"]
        verbose_name_plural = "attribution entries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "sequence"], name="attributionentry_unique_seq"),
            models.CheckConstraint(
                condition=models.Q(split_percent__gte=0) & models.Q(split_percent__lte=100),
                name="attributionentry_split_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="attributionentry_sequence_gte_1"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="original", reverses__isnull=True)
                | (~models.Q(kind="original") & models.Q(reverses__isnull=False)),
                name="attributionentry_correction_references_original",
            ),
            # 18 digits with 2 places: the amount must be a whole number of cents.
            models.CheckConstraint(
                condition=models.Q(amount__gt=Decimal("-1e16")) & models.Q(amount__lt=Decimal("1e16")),
                name="attributionentry_amount_precision",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "period"], name="attrentry_org_period"),
            models.Index(fields=["revenue_event", "partner", "role"], name="attrentry_event_partner"),
            models.Index(fields=["organization", "partner"], name="attrentry_org_partner"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.amount}"

    def canonical_values(self) -> tuple:
        """The fields the hash covers, in their fixed order."""
        return canonical_values_of(
            organization_id=self.organization_id,
            sequence=self.sequence,
            revenue_event_id=self.revenue_event_id,
            partner_id=self.partner_id,
            role=self.role,
            scope=self.scope,
            split_percent=self.split_percent,
            amount=self.amount,
            kind=self.kind,
            reverses_id=self.reverses_id,
            period_id=self.period_id,
            revenue_period_id=self.revenue_period_id,
            rule_version_id=self.rule_version_id,
            explanation=self.explanation,
        )

    def compute_hash(self) -> str:
        return chain_hash(self.prev_hash, self.canonical_values())


HASHED_FIELDS = (
    "organization_id",
    "sequence",
    "revenue_event_id",
    "partner_id",
    "role",
    "scope",
    "split_percent",
    "amount",
    "kind",
    "reverses_id",
    "period_id",
    "revenue_period_id",
    "rule_version_id",
    "explanation",
)


def canonical_values_of(**fields) -> tuple:
    """Hashed field values in order; amounts and percents always written with 2 places."""
    values = []
    for name in HASHED_FIELDS:
        value = fields[name]
        if name in ("split_percent", "amount"):
            value = f"{Decimal(value):.2f}"
        values.append(value)
    return tuple(values)


class AttributionPeriodSeal(models.Model):
    """The ledger's chain head when a period was closed: nothing may be posted in it afterwards."""

    organization = models.ForeignKey("revops.Organization", on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey("revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+")
    last_sequence = models.PositiveBigIntegerField(help_text="0 when the ledger was empty.")
    last_hash = models.CharField(max_length=64)
    entry_count = models.PositiveIntegerField()
    total_amount = models.DecimalField(max_digits=18, decimal_places=2)
    sealed_at = models.DateTimeField(default=timezone.now, editable=False)
    sealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["organization", "period", "-sealed_at", "-id"]

    def __str__(self) -> str:
        return f"seal of {self.period_id} at #{self.last_sequence}"
