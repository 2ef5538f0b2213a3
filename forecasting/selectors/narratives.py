"""The analysis a deal page shows: the computed one, or a language model's checked rewording.

Only reads: the rewording is made after scoring (`forecasting.services.narratives`), never while
a page waits.
"""

from __future__ import annotations

from dataclasses import dataclass

from forecasting.engine.wording import text_hash
from forecasting.models import DealScore, NarrativeRephrase

COMPUTED_NOTICE = "Assembled from the model's numbers by fixed rules."


@dataclass(frozen=True)
class Analysis:
    text: str  # what the page shows
    computed: str  # the analysis as computed from the numbers
    reworded: bool
    notice: str


def deal_analysis(*, score: DealScore) -> Analysis:
    """The rewording when one was accepted for this very analysis, else the computed text
    with a notice saying why (refused, no answer, or none asked)."""
    computed = score.narrative
    rephrase = NarrativeRephrase.objects.filter(deal_score=score).first()
    if rephrase is None or rephrase.source_hash != text_hash(computed):
        return Analysis(computed, computed, False, f"{COMPUTED_NOTICE} No language model changed it.")
    if rephrase.status == NarrativeRephrase.Status.ACCEPTED:
        return Analysis(
            rephrase.text,
            computed,
            True,
            f"Reworded by a language model ({rephrase.llm_model}); every number in it was checked "
            "against the analysis computed from the model, shown below.",
        )
    if rephrase.status == NarrativeRephrase.Status.REFUSED:
        why = rephrase.note.removeprefix("Refused: ").rstrip(".")
        return Analysis(
            computed,
            computed,
            False,
            f"{COMPUTED_NOTICE} A language model's rewording was refused ({why}); the analysis is shown as computed.",
        )
    return Analysis(
        computed,
        computed,
        False,
        f"{COMPUTED_NOTICE} {rephrase.note} The analysis is shown as computed.",
    )
