"""Reword deal analyses with a language model, after scoring; the deal page only reads the result.

The analysis of a deal score is assembled from the model's numbers (`engine.explain.narrative`).
When an OpenAI-compatible endpoint is configured (`revops.connectors.llm`), a JobRun of kind
`forecasting.rephrase` (queued after each scoring run) asks it to reword the analyses of the
current scores, riskiest by value first, at most `FORECAST_REPHRASE_LIMIT` per run, each call
bounded by `FORECAST_REPHRASE_TIMEOUT` seconds and no retry. The answer is kept per deal score
(`NarrativeRephrase`): accepted only if it carries exactly the analysis's numbers
(`engine.wording.check_wording`), otherwise refused and the analysis is shown as computed. A
later score whose analysis reads the same reuses the answer without asking again. After
`MAX_FAILURES_IN_A_ROW` unanswered calls the run stops asking (the endpoint is down); the
failed scores are asked again by the next run. No request ever waits for the endpoint.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F

from forecasting.engine.wording import check_wording, text_hash
from forecasting.models import DealScore, NarrativeRephrase
from revops.connectors.llm import LLMConfig, LLMError, chat_json, llm_config
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue

REPHRASE_KIND = "forecasting.rephrase"
# Three unanswered calls in a row means the endpoint is down or overloaded: asking the rest of
# the run would only add a timeout each.
MAX_FAILURES_IN_A_ROW = 3
NOTE_MAX = NarrativeRephrase._meta.get_field("note").max_length or 300
PROMPT = (
    "You reword a short analysis of a sales deal for a sales manager: plainer, friendlier, at "
    "most as long. Keep every number exactly as written (digits, not words), add no number, "
    'drop none, and add no fact. Answer as JSON: {"text": "..."}.'
)
Status = NarrativeRephrase.Status

Progress = Callable[[int, int], None]


def _noop(done: int, total: int) -> None:
    return None


def rephrase_enqueue(*, organization: Organization, actor, key: str) -> JobRun | None:
    """Queue a rewording run when a language model is configured (else nothing, None)."""
    if llm_config() is None:
        return None
    job, _ = job_enqueue(organization=organization, kind=REPHRASE_KIND, idempotency_key=key, started_by=actor)
    return job


def narratives_rephrase(
    *, organization: Organization, limit: int | None = None, progress: Progress = _noop
) -> dict[str, int]:
    """Reword the analyses of the current scores not reworded yet; counts per outcome."""
    config = llm_config()
    if config is None:
        return {"not_configured": 1}
    config = dataclasses.replace(config, timeout=float(settings.FORECAST_REPHRASE_TIMEOUT))
    scores = list(
        DealScore.objects.current()
        .filter(organization=organization)
        .exclude(rephrase__status__in=[Status.ACCEPTED, Status.REFUSED])
        .annotate(risk_value=F("amount") * F("risk"))
        .order_by("-risk_value", "id")[: limit or settings.FORECAST_REPHRASE_LIMIT]
    )
    hashes = {s.pk: text_hash(s.narrative) for s in scores}
    earlier = {
        (r.deal_score.opportunity_id, r.source_hash): r
        for r in NarrativeRephrase.objects.filter(
            organization=organization,
            deal_score__opportunity_id__in=[s.opportunity_id for s in scores],
            source_hash__in=set(hashes.values()),
            status__in=[Status.ACCEPTED, Status.REFUSED],
        ).select_related("deal_score")
    }
    counts: Counter[str] = Counter()
    failures_in_row = 0
    for done, score in enumerate(scores, start=1):
        reuse = earlier.get((score.opportunity_id, hashes[score.pk]))
        if reuse is not None:
            status, text, note, model = reuse.status, reuse.text, reuse.note, reuse.llm_model
            counts["reused"] += 1
        elif failures_in_row >= MAX_FAILURES_IN_A_ROW:
            counts["not_asked"] += 1
            continue
        else:
            status, text, note = _ask(config, score.narrative)
            model = config.model
            failures_in_row = failures_in_row + 1 if status == Status.FAILED else 0
            counts["asked"] += 1
        counts[str(status)] += 1
        _store(score, status=status, source_hash=hashes[score.pk], text=text, note=note, model=model)
        progress(done, len(scores))
    return dict(counts)


def _ask(config: LLMConfig, analysis: str) -> tuple[str, str, str]:
    """(status, text, note) for one analysis."""
    try:
        answer = chat_json(config=config, system=PROMPT, user=analysis)
    except LLMError as exc:
        return Status.FAILED, "", f"The language model could not be reached ({exc})."[:NOTE_MAX]
    try:
        candidate = json.loads(answer).get("text")
    except (ValueError, AttributeError):
        candidate = None
    if not isinstance(candidate, str):
        return Status.REFUSED, answer[:2000], 'The answer is not a JSON object with a "text".'
    check = check_wording(analysis, candidate)
    if not check.accepted:
        return Status.REFUSED, candidate, f"Refused: {check.reason}."[:NOTE_MAX]
    return Status.ACCEPTED, candidate.strip(), ""


@transaction.atomic
def _store(score: DealScore, *, status: str, source_hash: str, text: str, note: str, model: str) -> None:
    row = NarrativeRephrase(
        organization_id=score.organization_id,
        deal_score=score,
        status=status,
        source_hash=source_hash,
        text=text,
        note=note,
        llm_model=model,
    )
    # A failed answer of an earlier run is replaced by this one.
    NarrativeRephrase.objects.filter(deal_score=score).delete()
    row.full_clean(validate_unique=False)
    row.save()
