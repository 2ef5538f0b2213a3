"""Property test: a rule change recomputes exactly the deals it can reach.

Whatever the rule (conditions on tier, region, stage, maximum amount and segment; a split, a
cap or a deny), the alignment job it queues compares with the ledger exactly the revenue of
the deals whose shares the change moved, posts only on those, and leaves the ledger equal to
the engine's current splits everywhere.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution.models import AttributionEntry, AttributionSettings, RevenueEvent
from attribution.selectors.splits import split_book_load
from attribution.services.jobs import attribution_recompute_enqueue
from attribution.services.rules import rule_create
from revops.models import JobRun, Partner
from revops.models.crm import Region, Segment, Stage
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

TIERS = [t.value for t in Partner.Tier]
REGIONS = [r.value for r in Region][:3]
SEGMENTS = [s.value for s in Segment]
STAGES = [Stage.PROPOSAL.value, Stage.NEGOTIATION.value, Stage.CLOSED_WON.value]
AMOUNTS = [Decimal("5000.00"), Decimal("20000.00"), Decimal("80000.00")]
_names = itertools.count()


@pytest.fixture
def world(org, admin, django_capture_on_commit_callbacks):
    """Nine accounts across regions and segments, two deals each with partners of every tier on
    default splits, one revenue event per deal, the ledger aligned by a job."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    AttributionSettings.objects.create(
        organization=org, default_splits={"si": "0", "influence": "4", "referral": "10", "isv": "6"}
    )
    partners = [PartnerFactory(organization=org, name=f"P {tier}", tier=tier) for tier in TIERS]
    for i, (region, segment) in enumerate(itertools.product(REGIONS, SEGMENTS)):
        account = AccountFactory(organization=org, name=f"A{i}", region=region, segment=segment)
        for j in range(2):
            deal = OpportunityFactory(
                organization=org,
                account=account,
                name=f"D{i}.{j}",
                amount=AMOUNTS[(i + j) % 3],
                stage=STAGES[(i + 2 * j) % 3],
            )
            partner = partners[(i + j) % len(partners)]
            role = ["referral", "isv", "influence"][(i * 2 + j) % 3]
            OpportunityPartnerFactory(
                organization=org, opportunity=deal, partner=partner, role=role, split_percent=None
            )
            RevenueEventFactory(
                organization=org,
                opportunity=deal,
                account=account,
                date=dt.date(2026, 2, 1),
                amount=Decimal("1000.00"),
            )
    with django_capture_on_commit_callbacks(execute=True):
        attribution_recompute_enqueue(organization=org, actor=admin.user, idempotency_key="initial")
    return org


def _subset(values):
    return st.frozensets(st.sampled_from(values), max_size=len(values) - 1).map(sorted)


@st.composite
def rule_changes(draw):
    conditions = {
        "partner_tiers": draw(_subset(TIERS)),
        "regions": draw(_subset(REGIONS)),
        "stages": draw(_subset(STAGES)),
        "segments": draw(_subset(SEGMENTS)),
    }
    max_amount = draw(st.none() | st.sampled_from(AMOUNTS))
    if max_amount is not None:
        conditions["max_amount"] = str(max_amount)
        conditions["max_inclusive"] = draw(st.booleans())
    kind = draw(st.sampled_from(["set_split", "cap", "deny"]))
    action = {"kind": kind}
    if kind != "deny":
        action["percent"] = str(draw(st.decimals(min_value=0, max_value=30, places=0)))
    return {"conditions": {k: v for k, v in conditions.items() if v != []}, "action": action}


def _shares(book):
    return {
        deal: [(s.partner_id, s.role, s.percent) for s in shares] for deal, shares in book.deal_shares.items()
    }


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(change=rule_changes(), priority=st.integers(0, 3))
def test_a_rule_change_recomputes_exactly_the_deals_it_can_reach(
    world, admin, django_capture_on_commit_callbacks, change, priority
):
    # given: the splits before the change (rules from earlier examples stay in force)
    org = world
    before = _shares(split_book_load(organization=org))
    last_entry = (
        AttributionEntry.objects.filter(organization=org).order_by("-id").values_list("id", flat=True).first()
    )
    # when
    with django_capture_on_commit_callbacks(execute=True):
        saved = rule_create(
            organization=org,
            actor=admin.user,
            name=f"Rule {next(_names)}",
            definition=change,
            priority=priority,
        )
    # then: the deals whose shares moved are exactly the ones compared and posted on
    after = _shares(split_book_load(organization=org))
    moved = {deal for deal in before.keys() | after.keys() if before.get(deal, []) != after.get(deal, [])}
    job = JobRun.objects.get(pk=saved.job.pk)
    events_of_moved = RevenueEvent.objects.filter(organization=org, opportunity_id__in=moved).count()
    posted_on = set(
        AttributionEntry.objects.filter(organization=org, id__gt=last_entry or 0).values_list(
            "revenue_event__opportunity_id", flat=True
        )
    )
    assert (job.status, job.counts["events"]) == ("succeeded", events_of_moved)
    assert posted_on == moved
    # and the ledger equals the current splits on every deal
    posted = {
        (deal, partner, role): total
        for deal, partner, role, total in AttributionEntry.objects.filter(organization=org)
        .values_list("revenue_event__opportunity_id", "partner_id", "role")
        .annotate(total=Sum("amount"))
        .order_by()
        if total != 0
    }
    expected = {
        (deal, partner, role): (Decimal("1000.00") * percent / 100).quantize(Decimal("0.01"))
        for deal, shares in after.items()
        for partner, role, percent in shares
        if percent
    }
    assert posted == expected
