"""The first posting in columns writes exactly the rows a straightforward reference writes."""

import datetime as dt
import hmac
import json
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import ProtectedError, Q, Sum
from django.utils import timezone

from attribution.models import (
    AttributionEntry,
    AttributionExplanation,
    AttributionLedgerTotal,
    AttributionPartnerDeal,
    RevenueEvent,
)
from attribution.models.ledger import ATTRIBUTION_LEDGER
from attribution.selectors.splits import split_book_load
from attribution.services.periods import PeriodResolver
from attribution.services.posting import ShareInput, split_amounts
from attribution.services.recompute import attribution_recompute
from attribution.services.recompute_columns import first_posting_write
from attribution.services.verify import ledger_verify
from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH
from revops.ledger import binary as pg_binary
from revops.ledger.prepared import EntryBatch, ledger_append_prepared
from revops.models import FiscalPeriod, LedgerHead, Opportunity
from revops.services.periods import period_close, periods_ensure
from revops.settings.ledger import DEV_LEDGER_HMAC_KEYS
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

DEV_KEY = DEV_LEDGER_HMAC_KEYS.partition(":")[2].encode()
# Splits that exercise the rounding rule: equal weights (remainder ties), thirds, odd cents,
# a partner holding two roles on one deal, account shares for events without a deal.
DEAL_SPLITS = [
    [("referral", "10"), ("isv", "10")],
    [("referral", "33.33"), ("isv", "33.33"), ("si", "33.34")],
    [("referral", "12.5"), ("influence", "7.25"), ("isv", "0.01")],
    [("referral", "20")],
    [("referral", "15"), ("isv", "5")],  # the same partner in both roles (see the book fixture)
]
AMOUNTS = ["1000.00", "0.01", "0.03", "-12.05", "1234567.89", "100.01", "7", "0.99", "33.33"]


@pytest.fixture
def book(org, finance_admin):
    """Five deals, one account with account-level shares, events over three months; January closed."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    period_close(
        period=FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1)),
        actor=finance_admin.user,
    )
    partners = [PartnerFactory(organization=org, name=f"P{i}") for i in range(4)]
    account = AccountFactory(organization=org)
    deals = []
    for n, split in enumerate(DEAL_SPLITS):
        deal = OpportunityFactory(organization=org, account=account)
        for i, (role, percent) in enumerate(split):
            partner = partners[0] if n == 4 else partners[i]
            OpportunityPartnerFactory(
                organization=org, opportunity=deal, partner=partner, role=role, split_percent=Decimal(percent)
            )
        deals.append(deal)
    AccountPartnerFactory(
        organization=org, account=account, partner=partners[3], role="influence", split_percent=Decimal("2.5")
    )
    rng = random.Random(5)
    for i in range(45):
        RevenueEventFactory(
            organization=org,
            opportunity=None if i % 9 == 8 else deals[i % len(deals)],
            account=account,
            date=dt.date(2026, 1 + i % 3, 1 + i % 28),
            amount=Decimal(AMOUNTS[i % len(AMOUNTS)]) + Decimal(rng.randint(0, 3)),
        )
    return deals


def _reference_rows(org):
    """Every share of every event, split by the Decimal rule, in event then share order."""
    split_book = split_book_load(organization=org)
    resolver = PeriodResolver(org)
    rows = []
    for event in RevenueEvent.objects.filter(organization=org).order_by("id"):
        if event.opportunity_id is not None:
            shares, scope = split_book.deal_shares.get(event.opportunity_id, ()), "opportunity"
        else:
            shares, scope = split_book.account_shares.get(event.account_id, ()), "account"
        if not shares:
            continue
        amounts = split_amounts(event.amount, [ShareInput(s.partner_id, s.role, s.percent) for s in shares])
        for share, amount in zip(shares, amounts, strict=True):
            if amount:
                rows.append(
                    {
                        "event": event.pk,
                        "opportunity": event.opportunity_id,
                        "partner": share.partner_id,
                        "role": share.role,
                        "scope": scope,
                        "percent": share.percent.quantize(Decimal("0.01")),
                        "amount": amount,
                        "period": resolver.posting_period(event.date).pk,
                        "revenue_period": resolver.revenue_period(event.date).pk,
                        "revenue_month": resolver.revenue_period(event.date).start_date,
                        "version": share.rule_version_id,
                        "explanation": share.explanation,
                    }
                )
    return rows


def _reference_chain(org, rows):
    """HMAC-SHA256 under the dev key over the documented text, entry after entry."""
    ids = {
        json.dumps(e.content, sort_keys=True): e.pk
        for e in AttributionExplanation.objects.filter(organization=org)
    }
    prev, out = GENESIS_HASH, []
    for sequence, row in enumerate(rows, start=1):
        why = ids[json.dumps(row["explanation"], sort_keys=True)]
        version = "" if row["version"] is None else row["version"]
        text = (
            f"{prev}|dev|{org.pk}|{sequence}|{row['period']}|original||{row['amount']:.2f}|{row['event']}|"
            f"{row['partner']}|{row['role']}|{row['scope']}|{row['percent']:.2f}|{row['revenue_period']}|"
            f"{version}|{why}"
        )
        digest = hmac.new(DEV_KEY, text.encode(), "sha256").hexdigest()
        out.append((sequence, prev, digest))
        prev = digest
    return out


def _stored(org):
    return [
        {
            "event": e.revenue_event_id,
            "opportunity": e.revenue_event.opportunity_id,
            "partner": e.partner_id,
            "role": e.role,
            "scope": e.scope,
            "percent": e.split_percent,
            "amount": e.amount,
            "period": e.period_id,
            "revenue_period": e.revenue_period_id,
            "revenue_month": e.revenue_period.start_date,
            "version": e.rule_version_id,
            "explanation": e.explanation,
        }
        for e in AttributionEntry.objects.filter(organization=org)
        .select_related("explanation_ref", "revenue_event", "revenue_period")
        .order_by("sequence")
    ]


def test_first_posting_writes_the_reference_rows_chain_totals_and_partner_deals(org, book):
    # given: the rows and chain a straightforward reference computes, one event at a time
    expected = _reference_rows(org)
    # when
    result = attribution_recompute(organization=org)
    # then: the same rows in the same order, with the reference chain's hashes
    stored = _stored(org)
    chain = list(
        AttributionEntry.objects.filter(organization=org)
        .order_by("sequence")
        .values_list("sequence", "prev_hash", "hash")
    )
    assert stored == expected
    assert chain == _reference_chain(org, expected)
    assert (result.events, result.entries, dict(result.by_kind)) == (
        45,
        len(expected),
        {"original": len(expected)},
    )
    assert result.total == sum((r["amount"] for r in expected), Decimal("0.00"))
    assert {r["scope"] for r in expected} == {"opportunity", "account"}
    assert any(r["period"] != r["revenue_period"] for r in expected)  # January posts in February
    # the totals table holds exactly the sums of the entries
    sums: dict = defaultdict(lambda: [0, Decimal("0.00")])
    for r in expected:
        key = (r["period"], r["revenue_period"], r["partner"], r["role"], "original", r["scope"])
        sums[key][0] += 1
        sums[key][1] += r["amount"]
    totals = {
        (t.period_id, t.revenue_period_id, t.partner_id, t.role, t.kind, t.scope): [t.entries, t.amount]
        for t in AttributionLedgerTotal.objects.filter(organization=org)
    }
    assert totals == dict(sums)
    # the partner-deal table: each (partner, deal) with its first and last credited month
    months: dict = {}
    for r in expected:
        if r["opportunity"] is not None:
            first, last = months.get(
                (r["partner"], r["opportunity"]), (r["revenue_month"], r["revenue_month"])
            )
            months[(r["partner"], r["opportunity"])] = (
                min(first, r["revenue_month"]),
                max(last, r["revenue_month"]),
            )
    pairs = {
        (p.partner_id, p.opportunity_id): (p.first_month, p.last_month)
        for p in AttributionPartnerDeal.objects.filter(organization=org)
    }
    assert pairs == months
    assert ledger_verify(organization=org).problem is None


def test_first_posting_again_posts_nothing(org, book):
    # given
    first = attribution_recompute(organization=org)
    # when
    second = attribution_recompute(organization=org)
    # then
    assert (second.events, second.entries) == (45, 0)
    assert AttributionEntry.objects.filter(organization=org).count() == first.entries


def test_prepared_posting_citing_another_organizations_partner_writes_nothing(org, other_org, book):
    # given: a batch whose body names a partner of another organization
    attribution_recompute(organization=org)
    head = LedgerHead.objects.get(organization=org, ledger="attribution")
    before = (
        AttributionEntry.objects.filter(organization=org).count(),
        AttributionLedgerTotal.objects.filter(organization=org).aggregate(s=Sum("amount_cents"))["s"],
        (head.last_sequence, head.last_hash),
    )
    entry = AttributionEntry.objects.filter(organization=org).order_by("sequence").first()
    stranger = PartnerFactory(organization=other_org, name="Stranger")
    body = (
        f"{entry.period_id}|original||1.00|{entry.revenue_event_id}|{stranger.pk}|referral|opportunity|10.00|"
        f"{entry.revenue_period_id}||{entry.explanation_ref_id}"
    )
    batch = EntryBatch(
        bodies=[body],
        totals={
            (entry.period_id, entry.revenue_period_id, stranger.pk, "referral", "original", "opportunity"): [
                1,
                100,
            ]
        },
        references={
            "period_id": {entry.period_id},
            "revenue_event_id": {entry.revenue_event_id},
            "partner_id": {stranger.pk},
            "revenue_period_id": {entry.revenue_period_id},
            "explanation_ref_id": {entry.explanation_ref_id},
        },
    )
    # when
    with pytest.raises(ApplicationError, match=f"Unknown partner {stranger.pk}"):
        ledger_append_prepared(
            spec=ATTRIBUTION_LEDGER, organization_id=org.pk, batches=[batch], side_tables=lambda: None
        )
    # then
    head.refresh_from_db()
    after = (
        AttributionEntry.objects.filter(organization=org).count(),
        AttributionLedgerTotal.objects.filter(organization=org).aggregate(s=Sum("amount_cents"))["s"],
        (head.last_sequence, head.last_hash),
    )
    assert after == before
    assert not AttributionLedgerTotal.objects.filter(partner=stranger).exists()


ENTRY_COLUMNS = (
    "sequence",
    "period_id",
    "kind",
    "corrects_id",
    "amount",
    "revenue_event_id",
    "partner_id",
    "role",
    "scope",
    "split_percent",
    "revenue_period_id",
    "rule_version_id",
    "explanation_ref__content",
    "key_id",
    "created_by_id",
)


@pytest.mark.postgres
def test_first_posting_in_binary_stores_what_the_text_copy_stores(org, book, finance_admin):
    # given: the same first posting sent as text and as binary rows, each rolled back after
    split_book = split_book_load(organization=org)
    stored, checks = {}, {}
    for binary in (False, True):
        with transaction.atomic():
            # when
            first_posting_write(
                organization=org,
                book=split_book,
                event_filter=Q(),
                created_by_id=finance_admin.user.pk,
                binary=binary,
            )
            entries = AttributionEntry.objects.filter(organization=org).order_by("sequence")
            stored[binary] = list(entries.values_list(*ENTRY_COLUMNS))
            stamps = set(entries.values_list("created_at", flat=True))
            checks[binary] = (
                len(stamps),
                abs(stamps.pop() - timezone.now()) < dt.timedelta(minutes=5),
                ledger_verify(organization=org).problem,
                sorted(
                    AttributionLedgerTotal.objects.filter(organization=org).values_list(
                        "amount_cents", flat=True
                    )
                ),
                sorted(
                    AttributionPartnerDeal.objects.filter(organization=org).values_list(
                        "partner_id", "opportunity_id", "first_month", "last_month"
                    )
                ),
            )
            transaction.set_rollback(True)
    # then: every value stored alike, one timestamp per posting, each chain verifies
    assert stored[True] == stored[False]
    assert len(stored[True]) == len(_reference_rows(org))
    assert {row[-1] for row in stored[True]} == {finance_admin.user.pk}
    assert {row[2] for row in stored[True]} == {"original"}
    assert {row[3] for row in stored[True]} == {None}
    assert checks[True] == checks[False]
    assert checks[True][:3] == (1, True, None)
    assert not AttributionEntry.objects.filter(organization=org).exists()  # both rolled back


@pytest.mark.postgres
def test_prepared_batches_mixing_binary_and_text_are_refused_and_nothing_is_written(org, book):
    # given: a first batch in binary, a second in text only
    attribution_recompute(organization=org)
    head = LedgerHead.objects.get(organization=org, ledger="attribution")
    before = (AttributionEntry.objects.filter(organization=org).count(), head.last_sequence, head.last_hash)
    entry = AttributionEntry.objects.filter(organization=org).order_by("sequence").first()
    body = (
        f"{entry.period_id}|original||1.00|{entry.revenue_event_id}|{entry.partner_id}|{entry.role}|"
        f"{entry.scope}|{entry.split_percent}|{entry.revenue_period_id}||{entry.explanation_ref_id}"
    )
    binary = b"".join(
        (
            pg_binary.int8_bytes(entry.period_id),
            pg_binary.text_bytes("original"),
            pg_binary.NULL,
            pg_binary.numeric_bytes(Decimal("1.00")),
            pg_binary.int8_bytes(entry.revenue_event_id),
            pg_binary.int8_bytes(entry.partner_id),
            pg_binary.text_bytes(entry.role),
            pg_binary.text_bytes(entry.scope),
            pg_binary.numeric_bytes(entry.split_percent),
            pg_binary.int8_bytes(entry.revenue_period_id),
            pg_binary.NULL,
            pg_binary.int8_bytes(entry.explanation_ref_id),
        )
    )
    batches = [EntryBatch(bodies=[body], binary=[binary]), EntryBatch(bodies=[body])]
    # when
    with pytest.raises(ValueError, match="all carry binary bodies or none"), transaction.atomic():
        ledger_append_prepared(
            spec=ATTRIBUTION_LEDGER, organization_id=org.pk, batches=batches, side_tables=lambda: None
        )
    # then
    head.refresh_from_db()
    assert (
        AttributionEntry.objects.filter(organization=org).count(),
        head.last_sequence,
        head.last_hash,
    ) == before


def test_partner_deal_pairs_protect_their_deal_without_a_database_key(org, book):
    # given
    attribution_recompute(organization=org)
    pair = AttributionPartnerDeal.objects.filter(organization=org).order_by("pk").first()
    # when / then: the ORM refuses, as the database key did before
    with pytest.raises(ProtectedError) as refused:
        Opportunity.objects.filter(pk=pair.opportunity_id).delete()
    assert pair in refused.value.protected_objects
    assert Opportunity.objects.filter(pk=pair.opportunity_id).exists()
    assert AttributionPartnerDeal.objects.filter(pk=pair.pk).exists()


def test_first_posting_merges_a_pair_left_from_before_instead_of_failing(org, book):
    # given: a pair of an earlier month already stored for a deal the posting credits
    expected = _reference_rows(org)
    row = next(r for r in expected if r["opportunity"] is not None)
    AttributionPartnerDeal.objects.create(
        organization=org,
        partner_id=row["partner"],
        opportunity_id=row["opportunity"],
        first_month=dt.date(2020, 1, 1),
        last_month=dt.date(2020, 1, 1),
    )
    # when
    attribution_recompute(organization=org)
    # then: one pair, its first month kept, its last month the posting's
    months = [
        r["revenue_month"]
        for r in expected
        if (r["partner"], r["opportunity"]) == (row["partner"], row["opportunity"])
    ]
    pair = AttributionPartnerDeal.objects.get(
        organization=org, partner_id=row["partner"], opportunity_id=row["opportunity"]
    )
    assert (pair.first_month, pair.last_month) == (dt.date(2020, 1, 1), max(months))


def _pairs_from_entries(org) -> dict:
    pairs: dict = {}
    entries = AttributionEntry.objects.filter(organization=org, revenue_event__opportunity__isnull=False)
    for partner, deal, month in entries.values_list(
        "partner_id", "revenue_event__opportunity_id", "revenue_period__start_date"
    ):
        first, last = pairs.get((partner, deal), (month, month))
        pairs[(partner, deal)] = (min(first, month), max(last, month))
    return pairs


def test_later_postings_keep_the_pairs_equal_to_the_entries(org, book):
    # given: the first posting, then a later month's revenue and a new partner on a deal
    attribution_recompute(organization=org)
    deal = book[3]
    RevenueEventFactory(
        organization=org,
        opportunity=deal,
        account=deal.account,
        date=dt.date(2026, 3, 30),
        amount=Decimal("50.00"),
    )
    newcomer = PartnerFactory(organization=org, name="Newcomer")
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=newcomer, role="influence", split_percent=Decimal("5")
    )
    # when: the row path posts the differences (originals, reversals, adjustments)
    result = attribution_recompute(organization=org)
    # then
    assert result.entries > 0
    stored = {
        (p.partner_id, p.opportunity_id): (p.first_month, p.last_month)
        for p in AttributionPartnerDeal.objects.filter(organization=org)
    }
    assert stored == _pairs_from_entries(org)
    assert (newcomer.pk, deal.pk) in stored
