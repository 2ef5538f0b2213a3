"""Split races, 100 times (PostgreSQL): on one deal and on its account, requests that together
would pass 100 % arrive at the same moment, each on its own connection, and two requests
remove the same link. Every time the splits stay at or under 100 % (one of each pair of adds
is refused), the link is removed once, and at the end the ledger attributes no deal more than
its revenue and its chain verifies.

The ledger alignments are queued, not run in the racing threads (the broker is in memory
here); one recompute of the whole book at the end posts what they would post.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from attribution.models import AccountPartner, AttributionEntry, OpportunityPartner
from attribution.services.links import (
    account_partner_set,
    opportunity_partner_remove,
    opportunity_partner_set,
)
from attribution.services.recompute import attribution_recompute
from attribution.services.verify import ledger_verify
from revops.celery import app as celery_app
from revops.models import AuditEvent
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.races import in_lanes, kinds
from tests.revops.factories import AccountFactory, MembershipFactory, OpportunityFactory, PartnerFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres

ITERATIONS = 100
LANES = 4
REVENUE = Decimal("1000.00")


@pytest.fixture
def queued_tasks():
    """Tasks go to the in-memory broker instead of running in the caller's thread."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def _total(links) -> Decimal:
    return links.filter(status="active").aggregate(t=Sum("split_percent"))["t"] or Decimal("0")


@pytest.mark.usefixtures("flushable_db", "queued_tasks")
def test_concurrent_split_changes_never_pass_100_percent(org):
    # given: an open year, three partners, two editors (built once)
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    first, second, third = (
        PartnerFactory(organization=org, name=name) for name in ("Alpha", "Beta", "Gamma")
    )
    editors = [MembershipFactory(organization=org, role="admin") for _ in range(2)]

    def round_(i, racers):
        # given: a deal with 1,000.00 of revenue where the first partner holds 40 %
        account = AccountFactory(organization=org, name=f"Split race {i:03d}")
        deal = OpportunityFactory(organization=org, account=account)
        RevenueEventFactory(organization=org, opportunity=deal, amount=REVENUE, date=dt.date(2026, 3, 1))
        held = OpportunityPartnerFactory(
            organization=org, opportunity=deal, partner=first, split_percent=Decimal("40")
        )

        def deal_split(partner, percent, editor):
            return lambda: opportunity_partner_set(
                membership=editor,
                opportunity=deal,
                partner=partner,
                role="influence",
                split_percent=Decimal(percent),
                reason="race",
            )

        def account_share(partner, percent, editor):
            return lambda: account_partner_set(
                membership=editor,
                account=account,
                partner=partner,
                role="influence",
                split_percent=Decimal(percent),
            )

        # when two 35 % deal splits (40 + 35 + 35 = 110) and two 60 % account shares arrive at once
        results = racers.run(
            deal_split(second, "35", editors[0]),
            deal_split(third, "35", editors[1]),
            account_share(second, "60", editors[0]),
            account_share(third, "60", editors[1]),
        )
        # then one of each pair went through, the other was refused
        assert kinds(results[:2]) == ["OpportunityPartner", "ValidationError"], (i, results)
        assert kinds(results[2:]) == ["AccountPartner", "ValidationError"], (i, results)
        assert _total(OpportunityPartner.objects.filter(opportunity=deal)) == Decimal("75.00"), i
        assert _total(AccountPartner.objects.filter(account=account)) == Decimal("60.00"), i
        # when four requests (two editors, each clicking twice) remove the first partner's
        # link at once, each with the row as its request read it
        copies = [OpportunityPartner.objects.get(pk=held.pk) for _ in range(4)]
        removed = racers.run(
            *(
                lambda e=e, link=link: opportunity_partner_remove(
                    membership=e, link=link, reason="double click"
                )
                for e, link in zip((*editors, *editors), copies, strict=True)
            )
        )
        # then it is gone, removed once
        assert removed == [None] * 4, (i, removed)
        assert not OpportunityPartner.objects.filter(pk=held.pk).exists(), i
        assert (
            AuditEvent.objects.filter(action="opportunity_partner.remove", object_id=str(held.pk)).count()
            == 1
        )

    in_lanes(LANES, ITERATIONS, round_, racers=4)
    attribution_recompute(organization=org)
    # and the ledger: no deal is attributed more than its revenue; the chain verifies
    per_deal = (
        AttributionEntry.objects.filter(organization=org)
        .order_by()
        .values("revenue_event__opportunity")
        .annotate(total=Sum("amount"))
    )
    assert len(per_deal) == ITERATIONS
    assert max(row["total"] for row in per_deal) <= REVENUE
    assert ledger_verify(organization=org).ok
