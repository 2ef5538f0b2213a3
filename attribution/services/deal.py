"""Deal drilldown use cases: partner recommendations, reworded by a language model when one is
configured (the ranking and every figure stay the deterministic ones)."""

from __future__ import annotations

import json
from collections.abc import Callable

from attribution.recommendations import Recommendation, recommend_partners, rephrase
from attribution.selectors.deal import partner_deal_history, recommendation_target
from revops.connectors.llm import LLMError, chat_json, llm_config
from revops.models import Opportunity

REPHRASE_PROMPT = (
    "Rephrase the sentence about a partner for a sales manager, in one friendly sentence. Keep every "
    'number and name exactly. Answer as JSON: {"text": "..."}.'
)


def _llm_rephraser() -> Callable[[str], str | None] | None:
    """When a language model is configured, a function that rewords a sentence (else None)."""
    config = llm_config()
    if config is None:
        return None

    def reword(text: str) -> str | None:
        try:
            return str(
                json.loads(chat_json(config=config, system=REPHRASE_PROMPT, user=text)).get("text", "")
            )
        except (LLMError, ValueError, AttributeError):
            return None  # the deterministic text stays

    return reword


def deal_recommendations(*, deal: Opportunity, links: list) -> list[tuple[Recommendation, str]]:
    """Partners that won similar deals, each with the sentence saying why."""
    recommendations = recommend_partners(
        recommendation_target(deal=deal, links=links), partner_deal_history(deal=deal)
    )
    return rephrase(recommendations, _llm_rephraser())
