"""Partners that won similar deals: deterministic scoring with reasons a person can check.

Pure: takes plain records (from `attribution.selectors.deal.partner_deal_history`) and
returns ranked recommendations. A deal is "similar" on four criteria, each with a weight:
same product line and region (3), same product line (2), same industry (1), same region (1).
A partner's score is the sum of weight × deals won on each criterion, plus its overall win
rate (0 to 1) as a tie-breaker; partners already on the deal are left out, and so are
partners with fewer than `MIN_SIMILAR_DEALS` similar closed deals or no win among them (one
lucky deal, or "won 0 of 1", is not a track record). When a language
model is configured it may only rephrase the reasons, never change the ranking.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

WEIGHT_LINE_AND_REGION = 3
WEIGHT_LINE = 2
WEIGHT_INDUSTRY = 1
WEIGHT_REGION = 1
DEFAULT_LIMIT = 5
MIN_SIMILAR_DEALS = 3


@dataclass(frozen=True, slots=True)
class DealRecord:
    """A partner's part in one closed deal."""

    partner_id: int
    partner_name: str
    opportunity_id: int
    won: bool
    product_line: str | None
    industry: str
    region: str


@dataclass(frozen=True, slots=True)
class RecommendationTarget:
    """What the deal being worked on looks like, and the partners already on it."""

    product_line: str | None
    industry: str
    region: str
    region_label: str = ""
    exclude_partner_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, slots=True)
class Recommendation:
    partner_id: int
    partner_name: str
    score: Decimal
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Criterion:
    weight: int
    matches: Callable[[DealRecord], bool]
    describe: Callable[[int, int], str]


def _criteria(target: RecommendationTarget) -> list[_Criterion]:
    line, industry, region = target.product_line, target.industry, target.region
    region_label = target.region_label or region
    criteria = []
    if line and region:
        criteria.append(
            _Criterion(
                WEIGHT_LINE_AND_REGION,
                lambda r: r.product_line == line and r.region == region,
                lambda won, n: f"won {won} of {n} {line} deals in {region_label}",
            )
        )
    if line:
        criteria.append(
            _Criterion(
                WEIGHT_LINE, lambda r: r.product_line == line, lambda won, n: f"won {won} of {n} {line} deals"
            )
        )
    if industry:
        criteria.append(
            _Criterion(
                WEIGHT_INDUSTRY,
                lambda r: r.industry == industry,
                lambda won, n: f"won {won} of {n} deals with {industry} accounts",
            )
        )
    if region:
        criteria.append(
            _Criterion(
                WEIGHT_REGION,
                lambda r: r.region == region,
                lambda won, n: f"won {won} of {n} deals in {region_label}",
            )
        )
    return criteria


def recommend_partners(
    target: RecommendationTarget,
    history: Iterable[DealRecord],
    limit: int = DEFAULT_LIMIT,
    min_similar: int = MIN_SIMILAR_DEALS,
) -> list[Recommendation]:
    """Rank partners by their wins on deals like the target; see the module docstring."""
    deals: dict[int, dict[int, DealRecord]] = defaultdict(dict)
    for record in history:
        if record.partner_id not in target.exclude_partner_ids:
            deals[record.partner_id][record.opportunity_id] = record  # one partner, one deal: once
    criteria = _criteria(target)
    ranked = []
    for partner_id, by_deal in deals.items():
        records = list(by_deal.values())
        similar_deals = [r for r in records if any(c.matches(r) for c in criteria)]
        if len(similar_deals) < min_similar or not any(r.won for r in similar_deals):
            continue
        score = Decimal(0)
        reasons = []
        for criterion in criteria:
            similar = [r for r in records if criterion.matches(r)]
            if similar:
                won = sum(r.won for r in similar)
                score += criterion.weight * won
                reasons.append(criterion.describe(won, len(similar)))
        if not reasons:
            continue
        total_won = sum(r.won for r in records)
        rate = Decimal(total_won) / Decimal(len(records))
        score += rate
        percent = (rate * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
        reasons.append(f"wins {percent} % of its closed deals ({total_won} of {len(records)})")
        score = score.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        ranked.append(Recommendation(partner_id, records[0].partner_name, score, tuple(reasons)))
    ranked.sort(key=lambda r: (-r.score, r.partner_name, r.partner_id))
    return ranked[:limit]


def reasons_text(recommendation: Recommendation) -> str:
    """The reasons as one sentence: "Partner X: won 7 of 9 Analytics deals in EMEA; …"."""
    return f"{recommendation.partner_name}: {'; '.join(recommendation.reasons)}."


def rephrase(
    recommendations: Sequence[Recommendation], rephraser: Callable[[str], str | None] | None
) -> list[tuple[Recommendation, str]]:
    """Each recommendation with its text; a rephraser (an LLM) may only reword the sentence.

    A rephraser answer that is empty or drops a number of the original is refused, so the
    figures shown are always the deterministic ones.
    """
    out = []
    for rec in recommendations:
        text = reasons_text(rec)
        if rephraser is not None:
            candidate = (rephraser(text) or "").strip()
            if candidate and _numbers(text) <= _numbers(candidate):
                text = candidate
        out.append((rec, text))
    return out


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:\.\d+)?", text))
