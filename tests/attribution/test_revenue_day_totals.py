"""Revenue per day (RevenueDayTotal) is kept by the database for every way events change."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest

from attribution.models import RevenueDayTotal, RevenueEvent
from attribution.selectors.performance import gross_revenue
from attribution.services.revenue import revenue_events_import
from revops.imports.errors import ImportRefused
from revops.models import Role
from revops.selectors.periods import DateRange
from tests.attribution.factories import RevenueEventFactory
from tests.revops.factories import MembershipFactory, OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _expected(org) -> dict:
    """Cents and counts per day summed from the events themselves."""
    days: dict = defaultdict(lambda: [0, 0])
    for date, amount in RevenueEvent.objects.filter(organization=org).values_list("date", "amount"):
        days[date][0] += int(amount * 100)
        days[date][1] += 1
    return {d: tuple(v) for d, v in days.items()}


def _kept(org) -> dict:
    return {
        d: (cents, n)
        for d, cents, n in RevenueDayTotal.objects.filter(organization=org).values_list(
            "date", "amount_cents", "events"
        )
        if n  # a day whose events were all deleted stays at zero
    }


def test_every_kind_of_write_keeps_the_day_totals():
    # given two organizations, one of them left alone
    org, other = OrganizationFactory(), OrganizationFactory()
    RevenueEventFactory(organization=other, amount=Decimal("5.00"))
    before_other = _kept(other)
    deals = [OpportunityFactory(organization=org) for _ in range(4)]
    rng = random.Random(7)
    # when: 60 random creates, saves, queryset updates and deletes, single and in bulk
    for step in range(60):
        action = rng.choice(["create", "bulk", "save", "update", "delete", "delete_many"])
        events = list(RevenueEvent.objects.filter(organization=org))
        if action == "create" or not events:
            RevenueEventFactory(
                organization=org,
                opportunity=rng.choice(deals),
                date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(40)),
                amount=Decimal(rng.randrange(-50_000, 500_000)) / 100,
            )
        elif action == "bulk":
            deal = rng.choice(deals)
            RevenueEvent.objects.bulk_create(
                RevenueEvent(
                    organization=org,
                    opportunity=deal,
                    account=deal.account,
                    date=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(40)),
                    amount=Decimal(rng.randrange(0, 9_999_999)) / 100,
                    source=RevenueEvent.Source.IMPORT,
                    external_id=f"bulk-{step}-{i}",
                )
                for i in range(rng.randrange(1, 6))
            )
        elif action == "save":
            event = rng.choice(events)
            event.amount = Decimal(rng.randrange(0, 100_000)) / 100
            event.date = event.date + dt.timedelta(days=rng.choice([-3, 0, 2]))
            event.save()
        elif action == "update":
            ids = [e.pk for e in rng.sample(events, min(3, len(events)))]
            RevenueEvent.objects.filter(pk__in=ids).update(amount=Decimal("12.34"), date=dt.date(2026, 3, 1))
        elif action == "delete":
            rng.choice(events).delete()
        else:
            ids = [e.pk for e in rng.sample(events, min(4, len(events)))]
            RevenueEvent.objects.filter(pk__in=ids).delete()
        # then after every step the totals are the events' own sums
        assert _kept(org) == _expected(org), f"step {step}: {action}"
    assert _kept(other) == before_other == _expected(other)


def test_the_import_keeps_the_day_totals_and_a_refused_file_leaves_them_as_they_were(org):
    # given
    OpportunityFactory(organization=org, external_id="OPP-1")
    good = [
        "account_external_id,opportunity_external_id,date,amount,external_id",
        ",OPP-1,2026-02-01,1000.10,inv-1",
        ",OPP-1,2026-02-01,0.05,inv-2",
        ",OPP-1,2026-02-03,-20.00,inv-3",
    ]
    # when
    revenue_events_import(organization=org, lines=good)
    # then
    assert _kept(org) == {dt.date(2026, 2, 1): (100015, 2), dt.date(2026, 2, 3): (-2000, 1)}
    # and when a file with one bad row is refused
    with pytest.raises(ImportRefused):
        revenue_events_import(
            organization=org,
            lines=[good[0], ",OPP-1,2026-02-05,7.00,inv-4", ",OPP-404,2026-02-05,1.00,inv-5"],
        )
    # then nothing changed
    assert _kept(org) == {dt.date(2026, 2, 1): (100015, 2), dt.date(2026, 2, 3): (-2000, 1)}


@pytest.mark.parametrize(
    "start,end",
    [
        (None, None),
        (dt.date(2026, 1, 15), dt.date(2026, 2, 3)),
        (dt.date(2026, 2, 1), None),
        (None, dt.date(2026, 1, 31)),
    ],
)
def test_gross_revenue_from_the_day_totals_equals_the_events_for_every_range(start, end):
    # given events on several days, an admin and a rep who owns one deal
    org = OrganizationFactory()
    admin = MembershipFactory(organization=org, role=Role.ADMIN)
    rep = MembershipFactory(organization=org, role=Role.REP)
    mine = OpportunityFactory(organization=org, owner=rep.user)
    theirs = OpportunityFactory(organization=org)
    for i, day in enumerate(
        [dt.date(2026, 1, 10), dt.date(2026, 1, 31), dt.date(2026, 2, 1), dt.date(2026, 2, 20)]
    ):
        RevenueEventFactory(organization=org, opportunity=mine, date=day, amount=Decimal("100.01") * (i + 1))
        RevenueEventFactory(organization=org, opportunity=theirs, date=day, amount=Decimal("7.50"))
    dates = DateRange(start, end)

    def in_range(event):
        return (start is None or event.date >= start) and (end is None or event.date <= end)

    events = list(RevenueEvent.objects.filter(organization=org))
    # when / then: the admin's figure (from the totals) and the rep's (their events) are exact
    assert gross_revenue(membership=admin, dates=dates) == sum(
        (e.amount for e in events if in_range(e)), Decimal("0.00")
    )
    assert gross_revenue(membership=rep, dates=dates) == sum(
        (e.amount for e in events if in_range(e) and e.opportunity_id == mine.pk), Decimal("0.00")
    )
