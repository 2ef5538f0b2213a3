"""Language-model fallback for sentences the grammar refuses.

Only used when `revops.connectors.llm.llm_config()` returns an endpoint. The model's JSON is
validated by the same `RuleDefinition` schema as every other rule (plus the context's stage and
product-line codes); anything invalid is refused with the validation message. An accepted rule
is marked `source="llm"`, so the UI always previews it before it is saved.
"""

from __future__ import annotations

import json

from pydantic import ValidationError

from attribution.nl.parser import ParseContext, ParseFailure, parse_rule
from attribution.rule_schema import RuleDefinition, validation_message
from revops.connectors.llm import LLMConfig, LLMError, chat_json, llm_config

SYSTEM_PROMPT = """You turn one sentence describing a partner-attribution rule into JSON.
Answer with one JSON object and nothing else. It must validate against this JSON schema:
{schema}
Rules: action.kind is allow, deny, set_split or cap; set_split and cap need action.percent
(0-100), allow and deny take none. Amounts are plain numbers in the deal currency.
"under X" is max_amount X with max_inclusive false; "at least X" is min_amount X.
Known stage codes: {stages}. Known product-line codes: {product_lines}.
Use only those codes. Do not invent conditions the sentence does not state.
Leave priority out unless the sentence gives one."""


def _prompt(context: ParseContext) -> str:
    schema = json.dumps(RuleDefinition.model_json_schema())
    stages = ", ".join(sorted(set(context.stages.values()))) or "none"
    lines = ", ".join(sorted(set(context.product_lines.values()))) or "none"
    return SYSTEM_PROMPT.format(schema=schema, stages=stages, product_lines=lines)


def _unknown_codes(rule: RuleDefinition, context: ParseContext) -> str | None:
    stages = [s for s in rule.conditions.stages if s not in set(context.stages.values())]
    if stages:
        return f"conditions.stages: unknown stage {', '.join(stages)}"
    lines = [p for p in rule.conditions.product_lines if p not in set(context.product_lines.values())]
    if lines:
        return f"conditions.product_lines: unknown product line {', '.join(lines)}"
    return None


def rule_from_llm(sentence: str, context: ParseContext, config: LLMConfig) -> RuleDefinition | ParseFailure:
    """Ask the model for a rule and validate its answer; never returns an unvalidated rule."""
    try:
        content = chat_json(config=config, system=_prompt(context), user=sentence)
    except LLMError as exc:
        return ParseFailure(sentence, f"The language model could not be reached ({exc}).")
    try:
        data = json.loads(content)
    except json.JSONDecodeError as exc:
        return ParseFailure(sentence, f"The language model's answer is not valid JSON: {exc.msg}.")
    if not isinstance(data, dict):
        return ParseFailure(sentence, "The language model's answer is not a JSON object.")
    data = {**data, "source": "llm"}
    data.setdefault("name", " ".join(sentence.split())[:200])
    try:
        rule = RuleDefinition.model_validate(data)
    except ValidationError as exc:
        return ParseFailure(sentence, f"The language model's rule is not valid: {validation_message(exc)}.")
    problem = _unknown_codes(rule, context)
    if problem:
        return ParseFailure(sentence, f"The language model's rule is not valid: {problem}.")
    return rule


def parse_rule_with_fallback(
    sentence: str, context: ParseContext | None = None
) -> RuleDefinition | ParseFailure:
    """Grammar first; when it refuses and an LLM endpoint is configured, ask the model.

    A model refusal keeps the grammar's unknown words and appends the model's reason.
    """
    context = context or ParseContext.build()
    parsed = parse_rule(sentence, context)
    if isinstance(parsed, RuleDefinition):
        return parsed
    config = llm_config()
    if config is None:
        return parsed
    answer = rule_from_llm(sentence, context, config)
    if isinstance(answer, RuleDefinition):
        return answer
    return ParseFailure(sentence, f"{parsed.message} {answer.message}", parsed.unknown_words)
