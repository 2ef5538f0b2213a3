"""The ledger writer: COPY and bulk_create chain alike, integer splits match the Decimal rule."""

import datetime as dt
import hmac
import json
import random
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.models import AttributionEntry, AttributionExplanation
from attribution.selectors.splits import split_book_load
from attribution.services.links import opportunity_partner_set
from attribution.services.posting import (
    EntryLine,
    ShareInput,
    ledger_post,
    split_amounts,
    split_cents,
    split_cents_many,
)
from attribution.services.recompute import attribution_recompute
from attribution.services.verify import ledger_verify
from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH
from revops.models import FiscalPeriod
from revops.services.periods import period_close, periods_ensure
from revops.settings.ledger import DEV_LEDGER_HMAC_KEYS
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

# Explanations with every character the two escapings care about: the hash's "|" and "\",
# COPY's tab, newline, carriage return and backslash, and text outside ASCII.
AWKWARD_EXPLANATIONS = [
    {"source": "rule", "rule": {"id": 7, "version": 2, "name": "EMEA | ISV \\ resale"}},
    {"source": "manual", "notes": ["line one\nline two", "tab\there", "cr\rhere", "Zürich — 50 %"]},
    {},
]


@pytest.fixture
def january(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    return FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1))


def _lines(org, january, count):
    events = [RevenueEventFactory(organization=org, date=dt.date(2026, 1, 10)) for _ in range(3)]
    partners = [PartnerFactory(organization=org, name=f"P{i}") for i in range(3)]
    amounts = [Decimal("100.00"), Decimal("-12.05"), Decimal("0.30"), Decimal("1234567.89"), Decimal("7")]
    return [
        EntryLine(
            revenue_event_id=events[i % 3].pk,
            partner_id=partners[i % 3].pk,
            role=("referral", "isv", "si", "influence")[i % 4],
            scope="opportunity",
            split_percent=Decimal(("12.5", "33.33", "100", "0")[i % 4]),
            amount=amounts[i % len(amounts)],
            period_id=january.pk,
            revenue_period_id=january.pk,
            explanation=AWKWARD_EXPLANATIONS[i % len(AWKWARD_EXPLANATIONS)],
        )
        for i in range(count)
    ]


DEV_KEY = DEV_LEDGER_HMAC_KEYS.partition(":")[2].encode()


def _reference_chain(org, lines):
    """The chain written out by hand: HMAC-SHA256 under the dev key over the documented text.

    prev_hash | key id | organization | sequence | period | kind | corrects | amount | event |
    partner | role | scope | percent | revenue period | rule version | explanation id.
    """
    explanation_ids = {
        json.dumps(e.content, sort_keys=True): e.pk
        for e in AttributionExplanation.objects.filter(organization=org)
    }
    prev, out = GENESIS_HASH, []
    for sequence, line in enumerate(lines, start=1):
        why = explanation_ids[json.dumps(line.explanation, sort_keys=True)]
        corrects = "" if line.corrects_id is None else line.corrects_id
        version = "" if line.rule_version_id is None else line.rule_version_id
        text = (
            f"{prev}|dev|{org.pk}|{sequence}|{line.period_id}|{line.kind}|{corrects}|{line.amount:.2f}|"
            f"{line.revenue_event_id}|{line.partner_id}|{line.role}|{line.scope}|{line.split_percent:.2f}|"
            f"{line.revenue_period_id}|{version}|{why}"
        )
        prev = hmac.new(DEV_KEY, text.encode(), "sha256").hexdigest()
        out.append((sequence, prev))
    return out


def _stored(org):
    return [
        (e.sequence, e.prev_hash, e.hash, e.compute_hash(), e.amount, e.split_percent, e.explanation)
        for e in AttributionEntry.objects.filter(organization=org).order_by("sequence")
    ]


def test_bulk_path_hashes_match_the_reference_chain(org, january):
    # given
    lines = _lines(org, january, 12)
    # when
    count = ledger_post(organization=org, lines=lines, use_copy=False)
    # then
    stored = _stored(org)
    assert count == 12
    assert [(s[0], s[2]) for s in stored] == _reference_chain(org, lines)
    assert all(s[2] == s[3] for s in stored)
    assert [s[6] for s in stored] == [line.explanation for line in lines]
    assert ledger_verify(organization=org).problem is None


@pytest.mark.postgres
def test_copy_and_bulk_paths_store_the_same_entries_and_chain_alike(org, january):
    # given: the same lines through bulk_create (rolled back), then through COPY
    lines = _lines(org, january, 12)
    with transaction.atomic():
        ledger_post(organization=org, lines=lines, use_copy=False)
        through_bulk = _stored(org)
        bulk_reference = _reference_chain(org, lines)
        transaction.set_rollback(True)
    assert AttributionEntry.objects.filter(organization=org).count() == 0
    # when
    count = ledger_post(organization=org, lines=lines, use_copy=True)
    # then: both follow the documented chain (explanation ids differ between the two runs, so
    # the hashes do too); every other stored value is the same
    through_copy = _stored(org)
    assert count == 12
    assert [(s[0], s[2]) for s in through_bulk] == bulk_reference
    assert [(s[0], s[2]) for s in through_copy] == _reference_chain(org, lines)
    assert [(s[0], s[4], s[5], s[6]) for s in through_copy] == [
        (s[0], s[4], s[5], s[6]) for s in through_bulk
    ]
    assert all(s[2] == s[3] for s in through_copy)
    assert [s[4] for s in through_copy[:5]] == [
        Decimal("100.00"), Decimal("-12.05"), Decimal("0.30"), Decimal("1234567.89"), Decimal("7.00"),
    ]  # fmt: skip
    assert ledger_verify(organization=org).problem is None


@pytest.mark.postgres
def test_verify_ledger_passes_after_a_large_copy_posting(org, january):
    # given: 25,000 entries in two postings, each written in several COPY chunks
    lines = _lines(org, january, 25_000)
    # when
    first = ledger_post(organization=org, lines=lines[:15_000], use_copy=True)
    second = ledger_post(organization=org, lines=lines[15_000:], use_copy=True)
    # then
    report = ledger_verify(organization=org)
    entries = AttributionEntry.objects.filter(organization=org)
    assert (first, second) == (15_000, 10_000)
    assert (report.entries, report.problem) == (25_000, None)
    assert list(entries.order_by("-sequence").values_list("sequence", "hash")[:1]) == [
        _reference_chain(org, lines)[-1]
    ]
    assert sum(e.amount for e in entries) == sum(quantized(line.amount) for line in lines)


def quantized(amount):
    return amount.quantize(Decimal("0.01"))


def test_copy_posting_refuses_a_closed_period_and_writes_nothing(org, january, finance_admin):
    # given
    period_close(period=january, actor=finance_admin.user)
    lines = _lines(org, january, 3)
    # when
    with pytest.raises(ApplicationError, match="is closed"):
        ledger_post(organization=org, lines=lines)
    # then
    assert AttributionEntry.objects.filter(organization=org).count() == 0


@pytest.mark.parametrize(
    ("_case", "cents", "percents", "expected"),
    [
        ("tie goes to the earlier share", 1005, ["10", "10"], [101, 100]),
        ("half cent rounds up", 5, ["10", "5"], [1, 0]),
        ("negative truncates toward zero", -1005, ["10", "10"], [-100, -100]),
        ("no weight", 1000, ["0", "0"], [0, 0]),
        ("thirds", 100001, ["33.33", "33.33", "33.34"], [33330, 33330, 33341]),
    ],
)
def test_split_cents_cases(_case, cents, percents, expected):
    # given
    weights = [int(Decimal(p) * 100) for p in percents]
    # when
    got = split_cents(cents, weights, sum(weights))
    # then
    reference = split_amounts(
        Decimal(cents) / 100, [ShareInput(i, "si", Decimal(p)) for i, p in enumerate(percents)]
    )
    assert got == expected
    assert got == [int(a * 100) for a in reference]


def test_split_cents_agrees_with_split_amounts_or_defers_to_it():
    # given: a seeded spread of amounts (refunds included) and 1-4 shares, many of them equal
    rng = random.Random(11)
    cases = []
    for _ in range(20_000):
        percents = [
            Decimal(rng.choice([rng.randint(0, 10_000), rng.choice([500, 700, 1000, 1250, 3333])])) / 100
            for _ in range(rng.randint(1, 4))
        ]
        cases.append((rng.randint(-100_000, 10 ** rng.randint(1, 12)), percents))
    # when
    outcomes = []
    for cents, percents in cases:
        weights = [int(p * 100) for p in percents]
        outcomes.append(split_cents(cents, weights, sum(weights)))
    # then: every answer given is the Decimal rule's; the rest (rare ties) defer to it
    for (cents, percents), got in zip(cases, outcomes, strict=True):
        reference = split_amounts(
            Decimal(cents) / 100, [ShareInput(i, "si", p) for i, p in enumerate(percents)]
        )
        assert got is None or got == [int(a * 100) for a in reference]
    assert sum(got is None for got in outcomes) < len(cases) // 100


def test_recompute_against_a_previous_book_touches_only_changed_deals(org, january, admin):
    # given: two deals posted; deal A's split then changes
    deal_a, deal_b = OpportunityFactory(organization=org), OpportunityFactory(organization=org)
    alpha, beta = (
        PartnerFactory(organization=org, name="Alpha"),
        PartnerFactory(organization=org, name="Beta"),
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal_a, partner=alpha, split_percent=Decimal("10")
    )
    OpportunityPartnerFactory(organization=org, opportunity=deal_b, partner=beta, split_percent=Decimal("10"))
    for deal in (deal_a, deal_b):
        RevenueEventFactory(
            organization=org, opportunity=deal, date=dt.date(2026, 1, 10), amount=Decimal("500")
        )
    attribution_recompute(organization=org)
    previous = split_book_load(organization=org)
    opportunity_partner_set(
        membership=admin, opportunity=deal_a, partner=alpha, role="referral",
        split_percent=Decimal("12"), reason="Second workshop",
    )  # fmt: skip
    # when
    result = attribution_recompute(organization=org, previous_book=previous)
    again = attribution_recompute(organization=org, previous_book=split_book_load(organization=org))
    # then
    last = AttributionEntry.objects.filter(organization=org).order_by("-sequence").first()
    assert (result.events, result.entries, dict(result.by_kind), result.total) == (
        1, 1, {"adjustment": 1}, Decimal("10.00"),
    )  # fmt: skip
    assert (last.partner_id, last.kind, last.amount) == (alpha.pk, "adjustment", Decimal("10.00"))
    assert (again.events, again.entries) == (0, 0)
    assert AttributionEntry.objects.filter(organization=org).count() == 3


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=5),
    cents=st.lists(
        st.one_of(
            st.integers(min_value=-1_000_000, max_value=10**9),
            st.integers(min_value=-(10**15), max_value=10**15),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_split_cents_many_gives_the_decimal_rules_cents(weights, cents):
    # given: one set of weights (hundredths of a percent) and many amounts, refunds included
    percents = [Decimal(w) / 100 for w in weights]
    # when
    got = split_cents_many(cents, weights, sum(weights))
    # then: every row is exactly split_amounts' result, or deferred (None) where split_cents defers
    for amount, split in zip(cents, got, strict=True):
        reference = split_amounts(
            Decimal(amount).scaleb(-2), [ShareInput(i, "si", p) for i, p in enumerate(percents)]
        )
        if split is None:
            assert split_cents(amount, weights, sum(weights)) is None
        else:
            assert split == [int(a.scaleb(2)) for a in reference]
