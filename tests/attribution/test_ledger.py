"""The attribution ledger on the kit: keyed chain, append-only triggers, seals and verify_ledger."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from attribution.models import AttributionEntry, AttributionPeriodSeal
from attribution.services.posting import EntryLine, ShareInput, ledger_post, split_amounts
from attribution.services.verify import ledger_verify
from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH, append_only_sql, drop_append_only_sql
from revops.models import LedgerHead
from revops.services.periods import period_close, periods_ensure
from tests.attribution.factories import RevenueEventFactory
from tests.revops.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TABLE = "attribution_attributionentry"


@pytest.fixture
def periods(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    return {p.start_date.month: p for p in org_periods(org)}


def org_periods(org):
    from revops.models import FiscalPeriod

    return FiscalPeriod.objects.filter(organization=org).order_by("start_date")


@pytest.fixture
def posted(org, periods):
    """Three entries posted in January for one revenue event, two partners."""
    event = RevenueEventFactory(organization=org, date=dt.date(2026, 1, 10), amount=Decimal("1000.00"))
    partners = [PartnerFactory(organization=org, name=n) for n in ("Alpha", "Beta", "Gamma")]
    jan = periods[1]
    lines = [
        EntryLine(
            revenue_event_id=event.pk,
            partner_id=p.pk,
            role="referral",
            scope="opportunity",
            split_percent=Decimal(pct),
            amount=Decimal(amount),
            period_id=jan.pk,
            revenue_period_id=jan.pk,
        )
        for p, pct, amount in zip(partners, ("10", "20", "5"), ("100.00", "200.00", "50.00"), strict=True)
    ]
    ledger_post(organization=org, lines=lines)
    return list(AttributionEntry.objects.filter(organization=org).order_by("sequence"))


def _without_triggers(sql: str, params=()):
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(TABLE, vendor):
            cursor.execute(statement)
        cursor.execute(sql, params)
        for statement in append_only_sql(TABLE, vendor):
            cursor.execute(statement)


def test_post_chains_every_entry_to_the_one_before(posted):
    # then
    assert [e.sequence for e in posted] == [1, 2, 3]
    assert posted[0].prev_hash == GENESIS_HASH
    assert posted[1].prev_hash == posted[0].hash
    assert posted[2].prev_hash == posted[1].hash
    assert all(e.hash == e.compute_hash() for e in posted)
    assert [e.amount for e in posted] == [Decimal("100.00"), Decimal("200.00"), Decimal("50.00")]


def test_posting_continues_the_chain_from_the_head(org, periods, posted):
    # given
    head = posted[-1]
    line = EntryLine(
        revenue_event_id=head.revenue_event_id,
        partner_id=head.partner_id,
        role="referral",
        scope="opportunity",
        split_percent=Decimal("6"),
        amount=Decimal("10.00"),
        period_id=periods[2].pk,
        revenue_period_id=periods[1].pk,
        kind="adjustment",
        corrects_id=head.pk,
    )
    # when
    count = ledger_post(organization=org, lines=[line])
    # then
    new = AttributionEntry.objects.get(organization=org, sequence=4)
    assert count == 1
    assert new.prev_hash == head.hash
    assert ledger_verify(organization=org).problem is None


def test_split_amounts_sum_exactly_to_the_rounded_attributed_total():
    # given: 1000.01 at 33.33 % + 33.33 % + 33.34 % = 100 % → 1000.01 attributed;
    # 100001 cents × (0.3333, 0.3333, 0.3334) = 33330.3333, 33330.3333, 33340.3334 → floors
    # 33330 + 33330 + 33340 = 100000, one cent left: the largest remainder (.3334) gets it.
    shares = [
        ShareInput(1, "si", Decimal("33.33")),
        ShareInput(2, "si", Decimal("33.33")),
        ShareInput(3, "si", Decimal("33.34")),
    ]
    # when
    amounts = split_amounts(Decimal("1000.01"), shares)
    # then
    assert amounts == [Decimal("333.30"), Decimal("333.30"), Decimal("333.41")]
    assert sum(amounts) == Decimal("1000.01")


def test_split_amounts_round_the_attributed_total_half_up():
    # given: 0.05 × 15 % = 0.0075 → 0.01 attributed, split 10:5 → the larger share gets the cent
    shares = [ShareInput(1, "referral", Decimal("10")), ShareInput(2, "isv", Decimal("5"))]
    # when
    amounts = split_amounts(Decimal("0.05"), shares)
    # then
    assert amounts == [Decimal("0.01"), Decimal("0.00")]


def test_update_is_refused_by_the_database(posted):
    # given
    entry = posted[0]
    # when
    with (
        pytest.raises(DatabaseError, match="append-only table"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {TABLE} SET amount = 1 WHERE id = %s", [entry.pk])
    # then
    fresh = AttributionEntry.objects.get(pk=entry.pk)
    assert fresh.amount == Decimal("100.00")
    assert fresh.hash == entry.hash


def test_delete_is_refused_by_the_database(posted):
    # given
    entry = posted[2]
    # when
    with (
        pytest.raises(DatabaseError, match="append-only table"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [entry.pk])
    # then
    assert AttributionEntry.objects.filter(pk=entry.pk).exists()
    assert AttributionEntry.objects.count() == 3


def test_orm_delete_is_refused_too(posted):
    # when
    with pytest.raises(DatabaseError, match="append-only table"), transaction.atomic():
        AttributionEntry.objects.filter(pk=posted[0].pk).delete()
    # then
    assert AttributionEntry.objects.count() == 3


@pytest.mark.postgres
def test_truncate_is_refused_on_postgresql(posted):
    # when
    with (
        pytest.raises(DatabaseError, match="append-only table"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"TRUNCATE {TABLE} CASCADE")
    # then
    assert AttributionEntry.objects.count() == 3
    assert AttributionEntry.objects.get(sequence=1).amount == Decimal("100.00")


def test_verify_ledger_passes_an_intact_ledger(org, posted, capsys):
    # when
    call_command("verify_ledger", "--org", org.slug)
    # then
    assert capsys.readouterr().out.splitlines() == [
        "Ledger attribution intact: 3 entries, 0 period seals.",
        "Ledger commissions intact: 0 entries, 0 period seals.",
        "Ledger kit_test intact: 0 entries, 0 period seals.",
    ]


def test_verify_ledger_reports_an_edited_amount(org, posted):
    # given: someone bypasses the trigger and edits entry 2
    _without_triggers(f"UPDATE {TABLE} SET amount = %s WHERE id = %s", [Decimal("999.00"), posted[1].pk])
    # when
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--org", org.slug)
    # then
    assert raised.value.returncode == 2
    assert (
        str(raised.value)
        == "Ledger attribution broken at sequence 2: hash does not match the entry's fields and key"
        " (altered or forged)"
    )


def test_verify_ledger_reports_a_deleted_row(org, posted):
    # given
    _without_triggers(f"DELETE FROM {TABLE} WHERE id = %s", [posted[1].pk])
    # when
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--org", org.slug)
    # then
    assert raised.value.returncode == 2
    assert (
        str(raised.value) == "Ledger attribution broken at sequence 2: sequence 2 is missing (next found: 3)"
    )


def test_verify_ledger_reports_an_inserted_row_with_a_forged_hash(org, posted):
    # given: a row appended by hand, chained to the head but not hashed by the ledger
    head = posted[-1]
    AttributionEntry.objects.bulk_create(
        [
            AttributionEntry(
                organization=org,
                sequence=4,
                revenue_event_id=head.revenue_event_id,
                partner_id=head.partner_id,
                role="referral",
                scope="opportunity",
                split_percent=Decimal("50"),
                amount=Decimal("5000.00"),
                period_id=head.period_id,
                revenue_period_id=head.period_id,
                explanation_ref_id=head.explanation_ref_id,
                prev_hash=head.hash,
                key_id="dev",
                hash="f" * 64,
            )
        ]
    )
    # when
    report = ledger_verify(organization=org)
    # then
    assert (report.problem.sequence, report.problem.problem) == (
        4,
        "hash does not match the entry's fields and key (altered or forged)",
    )
    assert report.entries == 4


def test_verify_ledger_reports_a_well_hashed_row_slipped_into_a_sealed_period(org, periods, posted, admin):
    # given: January is closed (sealed at sequence 3); a forger then appends a correctly
    # chained entry in January, bypassing the posting service
    period_close(period=periods[1], actor=admin.user)
    head = posted[-1]
    forged = AttributionEntry(
        organization=org,
        sequence=4,
        revenue_event_id=head.revenue_event_id,
        partner_id=head.partner_id,
        role="referral",
        scope="opportunity",
        split_percent=Decimal("50"),
        amount=Decimal("5000.00"),
        period_id=periods[1].pk,
        revenue_period_id=periods[1].pk,
        explanation_ref_id=head.explanation_ref_id,
        prev_hash=head.hash,
        key_id="dev",
    )
    forged.hash = forged.compute_hash()
    AttributionEntry.objects.bulk_create([forged])
    LedgerHead.objects.filter(organization=org, ledger="attribution").update(
        last_sequence=4, last_hash=forged.hash
    )
    # when
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--org", org.slug)
    # then
    assert (
        str(raised.value)
        == f"Ledger attribution broken at sequence 4: entry posted in period {periods[1].pk} after it was sealed"
    )


def test_closing_a_period_seals_the_chain_head(org, periods, posted, finance_admin):
    # when
    period_close(period=periods[1], actor=finance_admin.user)
    # then
    seal = AttributionPeriodSeal.objects.get(organization=org)
    assert (seal.period_id, seal.last_sequence, seal.last_hash) == (periods[1].pk, 3, posted[-1].hash)
    assert (seal.entry_count, seal.total_amount) == (3, Decimal("350.00"))
    assert seal.sealed_by == finance_admin.user


def test_posting_into_a_closed_period_is_refused(org, periods, posted, finance_admin):
    # given
    period_close(period=periods[1], actor=finance_admin.user)
    head = posted[-1]
    line = EntryLine(
        revenue_event_id=head.revenue_event_id,
        partner_id=head.partner_id,
        role="referral",
        scope="opportunity",
        split_percent=Decimal("5"),
        amount=Decimal("1.00"),
        period_id=periods[1].pk,
        revenue_period_id=periods[1].pk,
    )
    # when
    with pytest.raises(ApplicationError, match="closed"):
        ledger_post(organization=org, lines=[line])
    # then
    assert AttributionEntry.objects.filter(organization=org).count() == 3
