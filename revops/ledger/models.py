"""Abstract bases every ledger's tables extend: the entry and the period seal.

Concrete ledgers subclass them in their own app (`class CommissionEntry(LedgerEntry)`), add
their own fields, and name those fields in their `LedgerSpec`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class EntryKind(models.TextChoices):
    ORIGINAL = "original", "Original"
    REVERSAL = "reversal", "Reversal"
    ADJUSTMENT = "adjustment", "Adjustment"


class LedgerEntry(models.Model):
    """One append-only, keyed-chain entry of a ledger (see revops.ledger.chain).

    Never updated or deleted (database triggers refuse it): a change is posted as a reversal
    or an adjustment naming the entry it corrects. `corrects_id` is a plain column, not a
    foreign key to the same table: entries are never deleted, so the key could only cost a
    lookup (and a row lock) per correction.

    The references carry no database foreign-key constraint (`db_constraint=False`): the
    writer checks each posting's distinct ids once (organization through the ledger's head
    row, periods against the organization's, the author, and the spec's `references`)
    instead of PostgreSQL looking every row up at commit. Indexes come from the subclass's
    Meta: only the ones its reads need.
    """

    Kind = EntryKind

    organization = models.ForeignKey(
        "revops.Organization", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    sequence = models.PositiveBigIntegerField()
    period = models.ForeignKey(
        "revops.FiscalPeriod",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Posted in.",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices, default=EntryKind.ORIGINAL)
    corrects_id = models.BigIntegerField(
        null=True, blank=True, help_text="Id of the entry this reversal or adjustment corrects."
    )
    amount = models.DecimalField(max_digits=18, decimal_places=2)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16, help_text="Id of the key the hash was computed with.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.amount}"

    @classmethod
    def base_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        """The constraints every ledger table carries, named with the table's `prefix`."""
        return [
            models.UniqueConstraint(fields=["organization", "sequence"], name=f"{prefix}_unique_seq"),
            models.CheckConstraint(condition=models.Q(sequence__gte=1), name=f"{prefix}_sequence_gte_1"),
            models.CheckConstraint(
                condition=models.Q(kind="original", corrects_id__isnull=True)
                | (~models.Q(kind="original") & models.Q(corrects_id__isnull=False)),
                name=f"{prefix}_correction_references_original",
            ),
            # 18 digits with 2 places: the amount must be a whole number of cents.
            models.CheckConstraint(
                condition=models.Q(amount__gt=Decimal("-1e16")) & models.Q(amount__lt=Decimal("1e16")),
                name=f"{prefix}_amount_precision",
            ),
        ]

    def compute_hash(self) -> str:
        """This entry's keyed hash from its fields as they are now (see revops.ledger.chain)."""
        from revops.ledger.verify import entry_hash  # the kit's verify imports the core models

        return entry_hash(self)


class LedgerSeal(models.Model):
    """A ledger's chain head when a period was closed: nothing may be posted in it afterwards."""

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
        abstract = True
        ordering = ["organization", "period", "-sealed_at", "-id"]

    def __str__(self) -> str:
        return f"seal of {self.period_id} at #{self.last_sequence}"


class LedgerTotal(models.Model):
    """Posted sums of a ledger per key (the subclass's fields), kept by the writer.

    Not an audit record: a cache the writer updates in each posting's transaction (see
    revops.ledger.writer._add_totals) and `verify_ledger` checks against the entries. The
    subclass adds its key fields (references with `db_constraint=False`, as the writer checks
    them) and a unique constraint over (organization, *key fields).
    """

    # No database foreign keys (as on the entries): the writer adds only keys it has checked,
    # once per posting, and the per-row checks at commit cost seconds on a big posting. The
    # subclass's unique constraint leads with the organization, so it needs no index of its own.
    organization = models.ForeignKey(
        "revops.Organization", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    entries = models.PositiveBigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def amount(self) -> Decimal:
        return Decimal(self.amount_cents).scaleb(-2)
