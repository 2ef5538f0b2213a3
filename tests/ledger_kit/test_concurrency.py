"""Two ledgers of one organization are written at the same time without waiting (PostgreSQL)."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction

from attribution.models import AttributionEntry
from attribution.services.posting import EntryLine, ledger_post
from revops.ledger.locks import lock_ledger
from revops.ledger.verify import ledger_verify
from revops.ledger.writer import ledger_append
from revops.models import FiscalPeriod, LedgerHead, Organization
from revops.services.periods import periods_ensure
from tests.attribution.factories import RevenueEventFactory
from tests.ledger_kit.models import TEST_LEDGER, KitEntry
from tests.revops.factories import PartnerFactory
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("flushable_db")]
WAIT = 20  # seconds; a thread that needs longer is blocked, and the test fails instead of hanging


def test_one_ledger_commits_while_another_ledgers_head_is_locked(org):
    # given
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
    january = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1))
    partner = PartnerFactory(organization=org)
    event = RevenueEventFactory(organization=org, date=dt.date(2026, 1, 5))
    held, committed, release = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold_kit_ledger():
        try:
            with transaction.atomic():
                lock_ledger(organization_id=org.pk, ledger=TEST_LEDGER.name)
                ledger_append(
                    spec=TEST_LEDGER,
                    organization_id=org.pk,
                    rows=[(january.pk, "original", None, 100, partner.pk, "4000", "held")],
                )
                held.set()
                assert release.wait(WAIT), "never released"
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connection.close()

    def post_attribution():
        try:
            assert held.wait(WAIT), "the other ledger never took its lock"
            ledger_post(
                organization=Organization.objects.get(pk=org.pk),
                lines=[
                    EntryLine(
                        revenue_event_id=event.pk,
                        partner_id=partner.pk,
                        role="referral",
                        scope="opportunity",
                        split_percent=Decimal("10"),
                        amount=Decimal("12.00"),
                        period_id=january.pk,
                        revenue_period_id=january.pk,
                    )
                ],
            )
            committed.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_kit_ledger)
    poster = threading.Thread(target=post_attribution)
    # when
    holder.start()
    poster.start()
    committed_while_held = committed.wait(WAIT)
    still_held = holder.is_alive()
    release.set()
    holder.join(WAIT)
    poster.join(WAIT)
    # then: the attribution posting committed while the kit ledger's head was still locked
    assert errors == []
    assert (committed_while_held, still_held) == (True, True)
    assert AttributionEntry.objects.filter(organization=org).count() == 1
    assert KitEntry.objects.filter(organization=org).count() == 1
    heads = dict(LedgerHead.objects.filter(organization=org).values_list("ledger", "last_sequence"))
    assert heads == {"attribution": 1, "kit_test": 1}
    assert ledger_verify(spec=TEST_LEDGER, organization=org).problem is None


def test_a_ledger_lock_does_not_lock_the_organization_row(org):
    # given: one thread holds the attribution ledger's lock
    held, done, release = threading.Event(), threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold():
        try:
            with transaction.atomic():
                lock_ledger(organization_id=org.pk, ledger="attribution")
                held.set()
                assert release.wait(WAIT), "never released"
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def lock_organization():
        try:
            assert held.wait(WAIT)
            with transaction.atomic():
                Organization.objects.select_for_update(nowait=True).get(pk=org.pk)
            done.set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=lock_organization)]
    # when
    for t in threads:
        t.start()
    locked_while_held = done.wait(WAIT)
    release.set()
    for t in threads:
        t.join(WAIT)
    # then
    assert errors == []
    assert locked_while_held is True
