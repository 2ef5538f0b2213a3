"""The 100 % account cap holds when many requests add splits at the same moment (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum

from attribution.models import AccountPartner
from attribution.services.links import account_partner_set
from tests.revops.factories import AccountFactory, PartnerFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.postgres


@pytest.mark.usefixtures("flushable_db")
def test_ten_concurrent_15_percent_splits_stop_at_the_cap(org, admin):
    # given
    account = AccountFactory(organization=org)
    partners = [PartnerFactory(organization=org, name=f"P{i}") for i in range(10)]
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def add(partner):
        try:
            barrier.wait()
            account_partner_set(
                membership=admin,
                account=account,
                partner=partner,
                role="influence",
                split_percent=Decimal("15"),
            )
            outcome = "ok"
        except ValidationError:
            outcome = "refused"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=add, args=(p,)) for p in partners]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    total = AccountPartner.objects.filter(account=account).aggregate(t=Sum("split_percent"))["t"]
    assert sorted(outcomes) == ["ok"] * 6 + ["refused"] * 4
    assert total == Decimal("90.00")
    assert AccountPartner.objects.filter(account=account).count() == 6
