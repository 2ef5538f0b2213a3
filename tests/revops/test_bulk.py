"""bulk_insert: rows inserted in bulk read back exactly as the ORM would have written them.

On SQLite the rows go through one prepared INSERT (no model instance per row), so what the
ORM does per instance — defaults, callable defaults, value preparation — is checked here
against rows the ORM created itself. On PostgreSQL the same calls go through COPY.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.forms.models import model_to_dict

from attribution.marketing.models import Campaign, CampaignSpend, Channel, Touchpoint
from revops.bulk import ReadAlongside, bulk_insert
from revops.models import Partner

pytestmark = pytest.mark.django_db

IGNORED = ("id", "created_at", "updated_at")


def _as_stored(obj) -> dict:
    obj.refresh_from_db()
    data = model_to_dict(obj)
    return {k: v for k, v in data.items() if k not in IGNORED}


def test_omitted_columns_get_the_model_defaults_callable_ones_included(org):
    # given: a partner created by the ORM with only its name
    by_orm = Partner.objects.create(organization=org, name="Orm Partner")
    # when: two partners inserted in bulk with only their names
    count = bulk_insert(Partner, ("organization_id", "name"), [(org.pk, "Bulk A"), (org.pk, "Bulk B")])
    # then: every other column holds what the ORM gave its own row
    assert count == 2
    expected = {**_as_stored(by_orm), "name": None}
    for name in ("Bulk A", "Bulk B"):
        row = Partner.objects.get(organization=org, name=name)
        assert {**_as_stored(row), "name": None} == expected
        assert row.types == [] and row.created_at is not None
    # the callable default gave each row its own list, not a shared one
    first, second = Partner.objects.filter(name__startswith="Bulk").order_by("name")
    assert first.types is not second.types


def test_decimals_dates_datetimes_and_foreign_keys_read_back_equal(org):
    # given
    channel = Channel.objects.create(organization=org, name="Email")
    campaign = Campaign.objects.create(organization=org, channel=channel, name="Nurture")
    when = dt.datetime(2026, 3, 14, 15, 9, 26, 535897, tzinfo=dt.UTC)
    month = dt.date(2026, 3, 1)
    # when
    bulk_insert(
        CampaignSpend,
        ("organization_id", "campaign_id", "month", "amount"),
        [(org.pk, campaign.pk, month, Decimal("1234.56"))],
    )
    bulk_insert(
        Touchpoint,
        ("organization_id", "occurred_at", "channel_id", "campaign_id", "contact_key", "external_id"),
        [(org.pk, when, channel.pk, campaign.pk, "ada@example.com", "t-1")],
    )
    # then
    spend = CampaignSpend.objects.get(campaign=campaign)
    assert (spend.month, spend.amount) == (month, Decimal("1234.56"))
    touch = Touchpoint.objects.get(external_id="t-1")
    assert touch.occurred_at == when
    assert (touch.channel_id, touch.campaign_id, touch.account_id) == (channel.pk, campaign.pk, None)
    assert touch.source == Touchpoint._meta.get_field("source").default


def test_a_refused_row_writes_nothing_of_its_batch(org):
    # given: the second row breaks the unique external id
    from django.db import IntegrityError, transaction

    channel = Channel.objects.create(organization=org, name="Direct")
    when = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    rows = [
        (org.pk, when, channel.pk, "a@example.com", "dup"),
        (org.pk, when, channel.pk, "b@example.com", "dup"),
    ]
    # when
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk_insert(
            Touchpoint, ("organization_id", "occurred_at", "channel_id", "contact_key", "external_id"), rows
        )
    # then
    assert not Touchpoint.objects.filter(organization=org).exists()


def _partner_names(cursor) -> list[str]:
    cursor.execute("SELECT name FROM revops_partner WHERE name LIKE %s ORDER BY name", ["Alongside%"])
    return [row[0] for row in cursor.fetchall()]


def test_read_alongside_sees_the_transaction_and_gives_its_value(org):
    # given: rows written in this (uncommitted) transaction
    for name in ("Alongside A", "Alongside B"):
        Partner.objects.create(organization=org, name=name)
    computed = []
    # when: the read runs (a worker thread on PostgreSQL) while this thread computes
    with ReadAlongside(_partner_names) as read:
        computed.append(sum(range(100_000)))
    # then
    assert read.result() == ["Alongside A", "Alongside B"]
    assert computed == [sum(range(100_000))]


def test_read_alongside_hands_the_reads_error_to_the_caller_and_writes_nothing(org):
    # given
    def broken(cursor):
        cursor.execute("SELECT no_such_column FROM revops_partner")

    before = Partner.objects.count()
    # when / then: the read's own error, raised where the result is asked for
    with pytest.raises(DatabaseError, match="no_such_column"), transaction.atomic():
        with ReadAlongside(broken) as read:
            pass
        read.result()
    assert Partner.objects.count() == before


def test_an_error_in_the_block_waits_for_the_read_before_it_leaves(org):
    # given: a read that takes a moment on the server
    Partner.objects.create(organization=org, name="Alongside C")
    finished = []

    def slow(cursor):
        cursor.execute("SELECT 1" if connection.vendor != "postgresql" else "SELECT pg_sleep(0.2)")
        finished.append(True)
        return 1

    # when: the block fails while the read runs
    with pytest.raises(ZeroDivisionError), ReadAlongside(slow):
        1 / 0  # noqa: B018
    # then: the read had finished (on PostgreSQL) before the error left the block, and the
    # connection is usable
    assert finished == ([True] if connection.vendor == "postgresql" else [])
    assert list(Partner.objects.filter(name="Alongside C").values_list("name", flat=True)) == ["Alongside C"]
