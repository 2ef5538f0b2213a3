"""A period closes while revenue is being posted into it (PostgreSQL, two connections, 20
times): every entry is either inside the period's frozen seal or posted to a later open period;
nothing lands in the closed period after its seal, nothing is lost, and neither side fails."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from attribution.models import AttributionEntry, AttributionPeriodSeal
from attribution.services.revenue import revenue_events_import
from revops.models import FiscalPeriod
from revops.services.periods import period_close, periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory
from tests.revops.factories import MembershipFactory, OpportunityFactory, OrganizationFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

ROUNDS = 20
EVENTS = 40


def _race(org, admin, january, lines) -> list[BaseException]:
    """Post the lines and close January at the same moment, each on its own connection."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait()
            action()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: revenue_events_import(organization=org, lines=lines),)),
        threading.Thread(target=run, args=(lambda: period_close(period=january, actor=admin.user),)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.usefixtures("flushable_db")
def test_a_period_closing_during_a_posting_keeps_its_seal_exact():
    orders = []
    for round_ in range(ROUNDS):
        # given an organization with January and February open, a deal with a 10 % partner
        org = OrganizationFactory()
        admin = MembershipFactory(organization=org, role="admin")
        periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 28))
        january = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1))
        deal = OpportunityFactory(organization=org, external_id="OPP-1")
        OpportunityPartnerFactory(organization=org, opportunity=deal, split_percent=Decimal("10"))
        lines = ["account_external_id,opportunity_external_id,date,amount,external_id"] + [
            f",OPP-1,2026-01-{1 + i % 28:02d},{100 + i}.00,ev-{round_}-{i}" for i in range(EVENTS)
        ]
        # when the posting and the close race
        errors = _race(org, admin, january, lines)
        # then both went through, the seal counts exactly the entries in January, and every
        # event's 10 % is in the ledger once (January before the close, February after)
        assert errors == []
        january.refresh_from_db()
        assert january.is_closed
        seal = AttributionPeriodSeal.objects.get(organization=org, period=january)
        in_january = AttributionEntry.objects.filter(organization=org, period=january)
        assert (seal.entry_count, seal.total_amount) == (
            in_january.count(),
            in_january.aggregate(t=Sum("amount"))["t"] or Decimal("0.00"),
        )
        total = AttributionEntry.objects.filter(organization=org).aggregate(t=Sum("amount"))["t"]
        assert total == sum(Decimal(100 + i) for i in range(EVENTS)) / 10
        orders.append("posted first" if in_january.exists() else "closed first")
    assert len(orders) == ROUNDS
