"""LLM fallback through the real `openai` client against a fake OpenAI-compatible server."""

import json
import socket
from decimal import Decimal

import pytest

from attribution.nl import ParseContext, ParseFailure
from attribution.nl.llm import parse_rule_with_fallback
from attribution.rule_schema import RuleDefinition
from tests.attribution.fake_openai import FakeOpenAIServer

SENTENCE = "Partners who resell get a tenth of every deal"
GRAMMAR_REFUSAL = "Could not understand: 'resell', 'tenth'."
CONTEXT = ParseContext.build(product_lines=[("analytics", "Analytics")])


@pytest.fixture
def fake_llm():
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm_settings(settings, fake_llm):
    settings.LLM_BASE_URL = fake_llm.base_url
    settings.LLM_API_KEY = "test-key"
    settings.LLM_MODEL = "rules-model"
    return settings


def test_valid_llm_answer_becomes_a_rule_marked_llm(llm_settings, fake_llm):
    # given
    fake_llm.reply_content = json.dumps(
        {
            "name": "Resellers 10 %",
            "conditions": {"roles": ["referral"], "product_lines": ["analytics"]},
            "action": {"kind": "set_split", "percent": 10},
        }
    )
    # when
    rule = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert isinstance(rule, RuleDefinition)
    assert rule.source == "llm"
    assert rule.name == "Resellers 10 %"
    assert rule.conditions.roles == ["referral"]
    assert rule.conditions.product_lines == ["analytics"]
    assert (rule.action.kind, rule.action.percent) == ("set_split", Decimal("10"))
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "rules-model"
    assert request["body"]["response_format"] == {"type": "json_object"}
    assert request["body"]["messages"][1] == {"role": "user", "content": SENTENCE}
    assert "Known product-line codes: analytics." in request["body"]["messages"][0]["content"]


def test_llm_cannot_claim_another_source(llm_settings, fake_llm):
    # given
    fake_llm.reply_content = json.dumps({"name": "x", "source": "manual", "action": {"kind": "deny"}})
    # when
    rule = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert rule.source == "llm"


def test_invalid_json_from_llm_is_refused(llm_settings, fake_llm):
    # given
    fake_llm.reply_content = "Sure! Here is your rule: {kind: deny"
    # when
    failure = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert failure == ParseFailure(
        SENTENCE,
        f"{GRAMMAR_REFUSAL} The language model's answer is not valid JSON: Expecting value.",
        ("resell", "tenth"),
    )
    assert len(fake_llm.requests) == 1


@pytest.mark.parametrize(
    ("_case", "answer", "reason"),
    [
        ("percent too high", {"name": "x", "action": {"kind": "set_split", "percent": 250}},
         "action.percent: Input should be less than or equal to 100"),
        ("unknown action", {"name": "x", "action": {"kind": "pay_everyone"}},
         "action.kind: Input should be 'allow', 'deny', 'set_split' or 'cap'"),
        ("extra field", {"name": "x", "action": {"kind": "deny"}, "sql": "drop table"},
         "sql: Extra inputs are not permitted"),
        ("unknown stage", {"name": "x", "conditions": {"stages": ["won-ish"]}, "action": {"kind": "deny"}},
         "conditions.stages: unknown stage won-ish"),
        ("not an object", ["deny"], None),
    ],
)  # fmt: skip
def test_schema_violating_llm_answer_is_refused(llm_settings, fake_llm, _case, answer, reason):
    # given
    fake_llm.reply_content = json.dumps(answer)
    # when
    failure = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert isinstance(failure, ParseFailure)
    expected = (
        f"The language model's rule is not valid: {reason}."
        if reason
        else "The language model's answer is not a JSON object."
    )
    assert failure.message == f"{GRAMMAR_REFUSAL} {expected}"


def test_not_configured_gives_grammar_refusal_without_network(settings, fake_llm):
    # given
    settings.LLM_BASE_URL = ""
    settings.LLM_MODEL = ""
    fake_llm.reply_content = json.dumps({"name": "x", "action": {"kind": "deny"}})
    # when
    failure = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert failure == ParseFailure(SENTENCE, GRAMMAR_REFUSAL, ("resell", "tenth"))
    assert fake_llm.requests == []


def test_grammar_answer_never_calls_the_llm(llm_settings, fake_llm):
    # when
    rule = parse_rule_with_fallback("Cap ISV partners at 15%", CONTEXT)
    # then
    assert rule.source == "grammar"
    assert fake_llm.requests == []


def test_unreachable_endpoint_is_a_refusal(settings):
    # given: a port nobody listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.LLM_BASE_URL = f"http://127.0.0.1:{port}/v1"
    settings.LLM_MODEL = "rules-model"
    # when
    failure = parse_rule_with_fallback(SENTENCE, CONTEXT)
    # then
    assert isinstance(failure, ParseFailure)
    assert (
        failure.message
        == f"{GRAMMAR_REFUSAL} The language model could not be reached (APIConnectionError: Connection error.)."
    )
