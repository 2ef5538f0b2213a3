"""The deterministic sentence grammar: what it understands and what it refuses."""

from decimal import Decimal

import pytest

from attribution.nl import ParseContext, ParseFailure, parse_rule
from attribution.rule_schema import RuleDefinition

D = Decimal
CONTEXT = ParseContext.build(product_lines=[("analytics", "Analytics"), ("data-platform", "Data Platform")])

# (sentence, scope, conditions (non-default fields), action kind, percent)
UNDERSTOOD = [
    ("Deny referral partners on deals under $10,000 in stage Prospecting", "opportunity",
     {"roles": ["referral"], "max_amount": D("10000"), "stages": ["prospecting"]}, "deny", None),
    ("No influence credit below $10k", "opportunity", {"roles": ["influence"], "max_amount": D("10000")}, "deny", None),
    ("SI partners get 20% on enterprise deals", "opportunity", {"roles": ["si"], "segments": ["enterprise"]}, "set_split", D("20")),
    ("Cap ISV at 15 %", "opportunity", {"roles": ["isv"]}, "cap", D("15")),
    ("Cap ISV partners at 15 percent", "opportunity", {"roles": ["isv"]}, "cap", D("15")),
    ("ISV partners get at most 15%", "opportunity", {"roles": ["isv"]}, "cap", D("15")),
    ("Referral partners get 10% of deals they source", "opportunity", {"roles": ["referral"]}, "set_split", D("10")),
    ("Give a referral partner 10 per cent", "opportunity", {"roles": ["referral"]}, "set_split", D("10")),
    ("Give referrers 7.5% of deals", "opportunity", {"roles": ["referral"]}, "set_split", D("7.5")),
    ("Give influencers 3 pct", "opportunity", {"roles": ["influence"]}, "set_split", D("3")),
    ("Implementation partners earn 25% on deals over $1M", "opportunity",
     {"roles": ["si"], "min_amount": D("1000000"), "min_inclusive": False}, "set_split", D("25")),
    ("System integrators receive 18% on deals above 2.5 million", "opportunity",
     {"roles": ["si"], "min_amount": D("2500000"), "min_inclusive": False}, "set_split", D("18")),
    ("Allow SI partners in EMEA", "opportunity", {"roles": ["si"], "regions": ["emea"]}, "allow", None),
    ("Permit ISVs in North America", "opportunity", {"roles": ["isv"], "regions": ["na"]}, "allow", None),
    ("Deny influence partners in APAC", "opportunity", {"roles": ["influence"], "regions": ["apac"]}, "deny", None),
    ("Block referral partners in Latin America", "opportunity", {"roles": ["referral"], "regions": ["latam"]}, "deny", None),
    ("Exclude silver referral partners", "opportunity", {"roles": ["referral"], "partner_tiers": ["silver"]}, "deny", None),
    ("Give gold and platinum referral partners 12.5 percent", "opportunity",
     {"roles": ["referral"], "partner_tiers": ["gold", "platinum"]}, "set_split", D("12.5")),
    ("Give gold-tier influence partners 4%", "opportunity", {"roles": ["influence"], "partner_tiers": ["gold"]}, "set_split", D("4")),
    ("Registered partners get no credit", "opportunity", {"partner_tiers": ["registered"]}, "deny", None),
    ("No credit on deals in stage Closed lost", "opportunity", {"stages": ["closed_lost"]}, "deny", None),
    ("Deny referral and influence partners in closed lost", "opportunity",
     {"roles": ["referral", "influence"], "stages": ["closed_lost"]}, "deny", None),
    ("Give ISV partners 10% on closed won deals", "opportunity", {"roles": ["isv"], "stages": ["closed_won"]}, "set_split", D("10")),
    ("Allow referral partners in negotiation or proposal", "opportunity",
     {"roles": ["referral"], "stages": ["negotiation", "proposal"]}, "allow", None),
    ("Give referral partners 10% on Analytics deals", "opportunity",
     {"roles": ["referral"], "product_lines": ["analytics"]}, "set_split", D("10")),
    ("Deny ISV partners on the Data Platform product line", "opportunity",
     {"roles": ["isv"], "product_lines": ["data-platform"]}, "deny", None),
    ("Give SI partners 15% on deals between $50k and $250k", "opportunity",
     {"roles": ["si"], "min_amount": D("50000"), "max_amount": D("250000"), "max_inclusive": True}, "set_split", D("15")),
    ("Give referral partners 5% on deals between 1000 and 5000", "opportunity",
     {"roles": ["referral"], "min_amount": D("1000"), "max_amount": D("5000"), "max_inclusive": True}, "set_split", D("5")),
    ("Give influence partners 2% on deals of at least $20,000", "opportunity",
     {"roles": ["influence"], "min_amount": D("20000")}, "set_split", D("2")),
    ("Deny referral partners on deals at most $999.99", "opportunity",
     {"roles": ["referral"], "max_amount": D("999.99"), "max_inclusive": True}, "deny", None),
    ("Give referral partners 10% on deals of 20 thousand or more", "opportunity",
     {"roles": ["referral"], "min_amount": D("20000")}, "set_split", D("10")),
    ("Deny influence partners on deals of $5k or less", "opportunity",
     {"roles": ["influence"], "max_amount": D("5000"), "max_inclusive": True}, "deny", None),
    ("Deny referral partners on deals less than 10 k", "opportunity",
     {"roles": ["referral"], "max_amount": D("10000")}, "deny", None),
    ("Give ISV partners 8% on deals greater than $100,000", "opportunity",
     {"roles": ["isv"], "min_amount": D("100000"), "min_inclusive": False}, "set_split", D("8")),
    ("Limit referral partners to 20%", "opportunity", {"roles": ["referral"]}, "cap", D("20")),
    ("Referral partners get no more than 12%", "opportunity", {"roles": ["referral"]}, "cap", D("12")),
    ("Cap SI accounts at 50%", "account", {"roles": ["si"]}, "cap", D("50")),
    ("Give SI partners 30% of enterprise accounts", "account", {"roles": ["si"], "segments": ["enterprise"]}, "set_split", D("30")),
    ("Deny referral partners on SMB deals under $5,000", "opportunity",
     {"roles": ["referral"], "segments": ["smb"], "max_amount": D("5000")}, "deny", None),
    ("Give referral partners 6% on mid-market deals", "opportunity", {"roles": ["referral"], "segments": ["mid_market"]}, "set_split", D("6")),
    ("Give partners of type ISV 5% on analytics deals", "opportunity",
     {"partner_types": ["isv"], "product_lines": ["analytics"]}, "set_split", D("5")),
    ("Don't allow influence partners on small business deals", "opportunity",
     {"roles": ["influence"], "segments": ["smb"]}, "deny", None),
    ("Never give credit to ISVs in EMEA with priority 5", "opportunity", {"roles": ["isv"], "regions": ["emea"]}, "deny", None),
    ("DENY INFLUENCE PARTNERS UNDER $10K", "opportunity", {"roles": ["influence"], "max_amount": D("10000")}, "deny", None),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "scope", "conditions", "kind", "percent"), UNDERSTOOD)
def test_grammar_understands(sentence, scope, conditions, kind, percent):
    # when
    rule = parse_rule(sentence, CONTEXT)
    # then
    assert isinstance(rule, RuleDefinition), rule
    assert rule.scope == scope
    assert rule.conditions.model_dump(mode="python", exclude_defaults=True) == conditions
    assert (rule.action.kind, rule.action.percent) == (kind, percent)
    assert rule.source == "grammar"
    assert rule.name == sentence


def test_understood_table_is_large_enough():
    assert len(UNDERSTOOD) >= 40


def test_priority_is_read():
    # when
    rule = parse_rule("Allow implementation partners in EMEA with priority 5", CONTEXT)
    # then
    assert rule.priority == 5


REFUSED = [
    ("Frobnicate the widgets", ("frobnicate", "widgets")),
    ("Give resellers 10%", ("resellers",)),
    ("Deny referral partners on Tuesdays", ("tuesdays",)),
    ("Give referral partners 10% unless the deal is late", ("unless", "late")),
    ("Give referral partners 10% on Widgets deals", ("widgets",)),
    ("Deny referral partners 5000", ("5000",)),
    ("Deny influence partners in stage Discovery", ("discovery",)),
    ("Give ISV partners 10% in Antarctica", ("antarctica",)),
    ("Cap referral partners at 10% for new logos", ("new", "logos")),
]


@pytest.mark.parametrize(("sentence", "unknown"), REFUSED)
def test_grammar_refuses_and_names_unknown_words(sentence, unknown):
    # when
    failure = parse_rule(sentence, CONTEXT)
    # then
    assert isinstance(failure, ParseFailure)
    assert failure.unknown_words == unknown
    assert failure.message == "Could not understand: " + ", ".join(f"'{w}'" for w in unknown) + "."


@pytest.mark.parametrize(
    ("sentence", "message"),
    [
        ("Referral partners in EMEA", "No action found: say allow, deny, give N %, cap at N % or no credit."),
        ("Give referral partners a lot", "Could not understand: 'lot'."),
        ("Give referral partners", "Giving a split needs exactly one percent (e.g. 'give referral partners 10 %')."),
        ("Deny referral partners 10%", "The sentence both denies and gives or allows; a rule has one action."),
        ("Deny referral partners under", "'under' must be followed by an amount or a percent."),
        ("Give referral partners 150%", "The rule is not valid: action.percent: Input should be less than or equal to 100."),
        ("Deny referral partners on deals over $50k and under $10k",
         "The rule is not valid: conditions: max_amount: the amount range is empty (min_amount is not below max_amount)."),
        ("   ", "The sentence is empty."),
    ],
)  # fmt: skip
def test_grammar_refuses_with_a_reason(sentence, message):
    # when
    failure = parse_rule(sentence, CONTEXT)
    # then
    assert isinstance(failure, ParseFailure)
    assert failure.message == message
