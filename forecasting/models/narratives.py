"""A language model's rewording of a deal score's analysis, kept per score (the cache)."""

from __future__ import annotations

from django.db import models

from revops.models import OrganizationOwnedModel


class NarrativeRephrase(OrganizationOwnedModel):
    """What the language model answered for one deal score's analysis, and whether it is used.

    Accepted: ``text`` is shown instead of the analysis (same numbers, checked). Refused: the
    answer changed a number (``text`` keeps the refused answer, ``note`` says which number);
    the analysis is shown as computed. Failed: the endpoint gave no answer (``note``); the next
    run tries again. ``source_hash`` is the SHA-256 of the analysis that was sent, so a later
    score with the same analysis reuses the answer without asking again.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "Reworded"
        REFUSED = "refused", "Refused: numbers changed"
        FAILED = "failed", "No answer"

    deal_score = models.OneToOneField(
        "forecasting.DealScore", on_delete=models.CASCADE, related_name="rephrase"
    )
    status = models.CharField(max_length=8, choices=Status.choices, db_index=True)
    source_hash = models.CharField(max_length=64, db_index=True)
    text = models.TextField(blank=True)
    note = models.CharField(max_length=300, blank=True)
    llm_model = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | ~models.Q(text=""),
                name="narrativerephrase_accepted_has_text",
            )
        ]

    def __str__(self) -> str:
        return f"{self.deal_score_id}: {self.status}"
