"""The head of each ledger of each organization: its lock and its O(1) chain head."""

from django.db import models
from django.utils import timezone


class LedgerHead(models.Model):
    """One row per (organization, ledger): the last sequence and hash, and the writers' lock.

    Every posting and every period seal of a ledger takes this row `FOR UPDATE` first
    (revops.ledger.locks.lock_ledger), so writers of one ledger queue here while another
    ledger of the same organization (its own row) and the organization row itself stay free.
    The writer moves the head in the same transaction as the entries it appends.
    """

    organization = models.ForeignKey("revops.Organization", on_delete=models.PROTECT, related_name="+")
    ledger = models.CharField(max_length=40)
    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "ledger"], name="ledgerhead_one_per_ledger"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger} head #{self.last_sequence}"
