"""A test-only ledger (tests/ledger_kit/models.py) gets every guarantee from revops.ledger.

The ledger declares two fields and a spec; it writes no trigger, hash, lock, seal or check.
"""

import datetime as dt
import hashlib
import random
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import override_settings

from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH, append_only_sql, drop_append_only_sql
from revops.ledger import binary as pg_binary
from revops.ledger.chain import (
    cents_text,
    chain_bodies,
    chain_digests,
    chain_linker,
    entry_body,
    hmac_states,
    link_hash,
)
from revops.ledger.periods import PeriodResolver
from revops.ledger.verify import ledger_verify
from revops.ledger.writer import WRITE_BATCH, ledger_append
from revops.models import FiscalPeriod, LedgerHead
from revops.services.periods import period_close, periods_ensure
from revops.settings.ledger import DEV_LEDGER_HMAC_KEYS
from tests.ledger_kit.models import TEST_LEDGER, KitEntry, KitSeal, KitTotal
from tests.revops.factories import PartnerFactory

pytestmark = pytest.mark.django_db
TABLE = "ledger_kit_kitentry"
DEV_KEY = DEV_LEDGER_HMAC_KEYS.partition(":")[2].encode()
ROTATED = f"{DEV_LEDGER_HMAC_KEYS},k2:a-second-ledger-key-for-rotation-tests"
WRITE_PATHS = [False, pytest.param(True, marks=pytest.mark.postgres)]


@pytest.fixture
def periods(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    return {p.start_date.month: p for p in FiscalPeriod.objects.filter(organization=org)}


@pytest.fixture
def partner(org):
    return PartnerFactory(organization=org, name="Alpha")


def post(org, rows, **kwargs):
    return ledger_append(spec=TEST_LEDGER, organization_id=org.pk, rows=rows, **kwargs)


def row(period, partner, cents, *, kind="original", corrects=None, code="4000", memo=""):
    return (period.pk, kind, corrects, cents, partner.pk, code, memo)


@pytest.fixture
def posted(org, periods, partner):
    """Three January entries; the memos carry what both escapings care about."""
    post(
        org,
        [
            row(periods[1], partner, 10_000, memo="plain"),
            row(periods[1], partner, -1_205, memo="pipe | backslash \\ tab\there"),
            row(periods[1], partner, 30, code="4100", memo="line\nbreak"),
        ],
    )
    return list(KitEntry.objects.filter(organization=org).order_by("sequence"))


def _raw(sql, params=()):
    """Run SQL with the append-only triggers lifted (what someone with database access can do)."""
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in drop_append_only_sql(TABLE, vendor):
            cursor.execute(statement)
        cursor.execute(sql, params)
        for statement in append_only_sql(TABLE, vendor):
            cursor.execute(statement)


def _problem(org):
    report = ledger_verify(spec=TEST_LEDGER, organization=org)
    return None if report.problem is None else (report.problem.sequence, report.problem.problem)


# --- chain, key, head -------------------------------------------------------------------


@pytest.mark.parametrize(
    "_case,key",
    [
        ("short key", b"k"),
        ("dev key", DEV_KEY),
        ("one block exactly", bytes(range(64))),
        ("longer than a block (hashed first)", bytes(range(200))),
    ],
)
def test_the_writers_linker_gives_the_digest_of_the_defined_body(_case, key):
    # given entries of every shape: with and without a corrected entry, negative amounts
    rng = random.Random(5)
    link = chain_linker(key, "k7", 42)
    prev = GENESIS_HASH
    for sequence in range(1, 301):
        corrects = rng.choice([None, rng.randrange(1, 10**9)])
        amount = cents_text(rng.randrange(-(10**12), 10**12))
        fields = "|".join(str(rng.randrange(10**6)) for _ in range(rng.randrange(0, 6)))
        kind = rng.choice(["original", "reversal", "adjustment"])
        # when
        got = link(prev, sequence, 17, kind, corrects, amount, fields)
        # then: the same digest as the definition verify_ledger uses
        assert got == link_hash(key, prev, entry_body("k7", 42, sequence, 17, kind, corrects, amount, fields))
        prev = got


@pytest.mark.parametrize(
    "_case,key",
    [
        ("short key", b"k"),
        ("one block exactly", bytes(range(64))),
        ("longer than a block (hashed first)", bytes(range(200))),
    ],
)
def test_chain_bodies_gives_the_digests_and_copy_lines_of_the_defined_body(_case, key):
    # given bodies of every shape: with and without a corrected entry, negative amounts
    rng = random.Random(9)
    entries = []
    for _ in range(300):
        corrects = rng.choice([None, rng.randrange(1, 10**9)])
        amount = cents_text(rng.randrange(-(10**12), 10**12))
        fields = "|".join(str(rng.randrange(10**6)) for _ in range(rng.randrange(0, 6)))
        entries.append((rng.choice(["original", "reversal", "adjustment"]), corrects, amount, fields))
    bodies = [f"17|{kind}|{'' if c is None else c}|{amount}|{fields}" for kind, c, amount, fields in entries]
    # when: two runs continuing each other, as a posting's batches do
    first, sequence, prev = chain_bodies(hmac_states(key), "k7", 42, 10, GENESIS_HASH, bodies[:120], "|T")
    second, last, final = chain_bodies(hmac_states(key), "k7", 42, sequence, prev, bodies[120:], "|T")
    # then: the digests of the definition verify_ledger uses, and "sequence|prev|hash|body" + tail
    expected, prev = [], GENESIS_HASH
    for sequence, (body, (kind, corrects, amount, fields)) in enumerate(
        zip(bodies, entries, strict=True), 11
    ):
        digest = link_hash(key, prev, entry_body("k7", 42, sequence, 17, kind, corrects, amount, fields))
        expected.append(f"{sequence}|{prev}|{digest}|{body}|T")
        prev = digest
    assert first + second == expected
    assert (last, final) == (310, prev)
    # and chain_digests (the binary path's loop) gives the same digests
    digests = chain_digests(hmac_states(key), "k7", 42, 10, GENESIS_HASH, bodies)
    assert digests == [line.split("|")[2] for line in expected]


@pytest.mark.parametrize("use_copy", WRITE_PATHS)
def test_entries_are_chained_with_the_key_and_the_head_moves(org, periods, partner, use_copy):
    # when
    count = post(org, [row(periods[1], partner, 10_000), row(periods[1], partner, -5)], use_copy=use_copy)
    # then: the hash is HMAC-SHA256(key, prev | key id | base fields | own fields), by hand
    entries = list(KitEntry.objects.filter(organization=org).order_by("sequence"))
    prev = GENESIS_HASH
    for entry, amount in zip(entries, ("100.00", "-0.05"), strict=True):
        text = f"{prev}|dev|{org.pk}|{entry.sequence}|{periods[1].pk}|original||{amount}|{partner.pk}|4000|"
        assert entry.prev_hash == prev
        assert entry.hash == link_hash(DEV_KEY, prev, text.split("|", 1)[1])
        prev = entry.hash
    head = LedgerHead.objects.get(organization=org, ledger="kit_test")
    assert count == 2
    assert [(e.sequence, e.key_id, e.amount) for e in entries] == [
        (1, "dev", Decimal("100.00")),
        (2, "dev", Decimal("-0.05")),
    ]
    assert (head.last_sequence, head.last_hash) == (2, entries[-1].hash)
    assert _problem(org) is None


def test_verify_ledger_command_checks_every_registered_ledger(org, posted, capsys):
    # when
    call_command("verify_ledger", "--org", org.slug)
    # then
    assert capsys.readouterr().out.splitlines() == [
        "Ledger attribution intact: 0 entries, 0 period seals.",
        "Ledger commissions intact: 0 entries, 0 period seals.",
        "Ledger kit_test intact: 3 entries, 0 period seals.",
    ]


def test_verify_ledger_command_can_name_one_ledger_and_refuses_an_unknown_one(org, posted, capsys):
    # when
    call_command("verify_ledger", "--org", org.slug, "--ledger", "kit_test")
    with pytest.raises(CommandError) as raised:
        call_command("verify_ledger", "--org", org.slug, "--ledger", "nope")
    # then
    assert capsys.readouterr().out.splitlines() == ["Ledger kit_test intact: 3 entries, 0 period seals."]
    assert (
        str(raised.value)
        == "No ledger named 'nope' is registered (known: attribution, commissions, kit_test)."
    )


def test_totals_table_follows_each_posting(org, periods, partner, posted):
    # when
    post(org, [row(periods[2], partner, 700), row(periods[1], partner, 1)])
    # then
    totals = sorted(
        KitTotal.objects.filter(organization=org).values_list(
            "period_id", "account_code", "entries", "amount_cents"
        )
    )
    assert totals == sorted(
        [
            (periods[1].pk, "4000", 3, 10_000 - 1_205 + 1),
            (periods[1].pk, "4100", 1, 30),
            (periods[2].pk, "4000", 1, 700),
        ]
    )
    assert _problem(org) is None


# --- append-only --------------------------------------------------------------------------


def test_update_is_refused_by_the_database(org, posted):
    # when
    with (
        pytest.raises(DatabaseError, match="append-only table"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute(f"UPDATE {TABLE} SET amount = 1 WHERE id = %s", [posted[0].pk])
    # then
    assert KitEntry.objects.get(pk=posted[0].pk).amount == Decimal("100.00")
    assert _problem(org) is None


def test_delete_is_refused_by_the_database(org, posted):
    # when
    with pytest.raises(DatabaseError, match="append-only table"), transaction.atomic():
        KitEntry.objects.filter(pk=posted[1].pk).delete()
    # then
    assert KitEntry.objects.filter(organization=org).count() == 3
    assert _problem(org) is None


def test_seal_table_is_append_only_too(org, periods, posted, finance_admin):
    # given
    period_close(period=periods[1], actor=finance_admin.user)
    # when
    with pytest.raises(DatabaseError, match="append-only table"), transaction.atomic():
        KitSeal.objects.filter(organization=org).delete()
    # then
    assert KitSeal.objects.filter(organization=org).count() == 1


# --- tampering ----------------------------------------------------------------------------


def test_verify_reports_an_edited_row(org, posted):
    # when
    _raw(f"UPDATE {TABLE} SET amount = %s WHERE id = %s", [Decimal("999.00"), posted[1].pk])
    # then
    assert _problem(org) == (2, "hash does not match the entry's fields and key (altered or forged)")


def test_verify_reports_an_edited_own_field(org, posted):
    # when
    _raw(f"UPDATE {TABLE} SET memo = %s WHERE id = %s", ["plain!", posted[0].pk])
    # then
    assert _problem(org) == (1, "hash does not match the entry's fields and key (altered or forged)")


def test_verify_reports_a_deleted_row(org, posted):
    # when
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [posted[1].pk])
    # then
    assert _problem(org) == (2, "sequence 2 is missing (next found: 3)")


def test_verify_reports_a_deleted_last_row_through_the_head(org, posted):
    # when: the last entry goes; the chain that remains is intact, the head row is not
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [posted[2].pk])
    # then
    assert _problem(org) == (2, "the head row (#3) does not match the last entry (#2)")


def _forge(org, head, *, prev_hash, digest, key_id="dev"):
    KitEntry.objects.bulk_create(
        [
            KitEntry(
                organization=org,
                sequence=head.sequence + 1,
                period_id=head.period_id,
                kind="original",
                amount=Decimal("5000.00"),
                partner_id=head.partner_id,
                account_code="4000",
                memo="",
                prev_hash=prev_hash,
                hash=digest,
                key_id=key_id,
            )
        ]
    )
    LedgerHead.objects.filter(organization=org, ledger="kit_test").update(
        last_sequence=head.sequence + 1, last_hash=digest
    )


def test_verify_reports_a_forged_row_with_a_correct_sha256_but_no_key(org, posted):
    # given: the forger knows the format and chains correctly, but not the key: plain sha256
    head = posted[-1]
    body = entry_body(
        "dev", org.pk, 4, head.period_id, "original", None, cents_text(500_000), f"{head.partner_id}|4000|"
    )
    sha = hashlib.sha256(f"{head.hash}|{body}".encode()).hexdigest()
    # when
    _forge(org, head, prev_hash=head.hash, digest=sha)
    # then
    assert _problem(org) == (4, "hash does not match the entry's fields and key (altered or forged)")


def test_verify_reports_a_broken_prev_hash_link_even_when_the_hash_is_keyed(org, posted):
    # given: a correctly keyed entry whose prev_hash is not the previous entry's hash (the
    # HMAC covers the prev_hash it stores, so only the link check can catch this)
    head = posted[-1]
    wrong_prev = posted[0].hash
    body = entry_body(
        "dev", org.pk, 4, head.period_id, "original", None, cents_text(500_000), f"{head.partner_id}|4000|"
    )
    # when
    _forge(org, head, prev_hash=wrong_prev, digest=link_hash(DEV_KEY, wrong_prev, body))
    # then
    assert _problem(org) == (4, "prev_hash does not match the previous entry's hash")


def test_verify_reports_an_entry_sealed_with_an_unknown_key(org, posted):
    # when: the ledger is checked with the dev key withdrawn
    with override_settings(LEDGER_HMAC_KEYS="k2:another-key", LEDGER_HMAC_CURRENT_KEY="k2"):
        problem = _problem(org)
    # then
    assert problem == (1, "entry sealed with unknown key 'dev'")


def test_keys_rotate_old_entries_verify_under_their_own_key(org, periods, partner, posted):
    # when
    with override_settings(LEDGER_HMAC_KEYS=ROTATED, LEDGER_HMAC_CURRENT_KEY="k2"):
        post(org, [row(periods[1], partner, 42)])
        problem = _problem(org)
    # then
    keys = list(
        KitEntry.objects.filter(organization=org).order_by("sequence").values_list("key_id", flat=True)
    )
    assert keys == ["dev", "dev", "dev", "k2"]
    assert problem is None


def test_verify_reports_totals_that_disagree_with_the_entries(org, periods, posted):
    # when
    KitTotal.objects.filter(organization=org, account_code="4100").update(amount_cents=31)
    # then
    assert _problem(org) == (
        3,
        f"the totals table disagrees with the entries for {{'period_id': {periods[1].pk}, 'account_code': '4100'}}",
    )


# --- references, periods, seals -------------------------------------------------------------


@pytest.mark.parametrize("use_copy", WRITE_PATHS)
def test_a_posting_citing_another_organizations_partner_writes_nothing(
    org, other_org, periods, partner, use_copy
):
    # given
    foreign = PartnerFactory(organization=other_org)
    # when
    with pytest.raises(ApplicationError, match=f"^Unknown partner {foreign.pk} for this organization.$"):
        post(org, [row(periods[1], partner, 100), row(periods[1], foreign, 100)], use_copy=use_copy)
    # then
    assert KitEntry.objects.filter(organization=org).count() == 0
    assert not LedgerHead.objects.filter(organization=org, ledger="kit_test", last_sequence__gt=0).exists()


def test_closing_a_period_seals_the_ledger(org, periods, posted, finance_admin):
    # when
    period_close(period=periods[1], actor=finance_admin.user)
    # then
    seal = KitSeal.objects.get(organization=org)
    assert (seal.period_id, seal.last_sequence, seal.last_hash) == (periods[1].pk, 3, posted[-1].hash)
    assert (seal.entry_count, seal.total_amount, seal.sealed_by) == (3, Decimal("88.25"), finance_admin.user)
    assert _problem(org) is None


def test_a_closed_period_is_refused_and_nothing_is_written(org, periods, partner, posted, finance_admin):
    # given
    period_close(period=periods[1], actor=finance_admin.user)
    # when
    with pytest.raises(
        ApplicationError, match=r"^Period 2026-01 is closed; entries go to the first open period\.$"
    ):
        post(org, [row(periods[2], partner, 5), row(periods[1], partner, 5)])
    # then
    assert KitEntry.objects.filter(organization=org).count() == 3
    assert LedgerHead.objects.get(organization=org, ledger="kit_test").last_sequence == 3


def test_a_correction_lands_in_the_first_open_period(org, periods, partner, posted, finance_admin):
    # given: January is closed; an amount of a January revenue date must change
    period_close(period=periods[1], actor=finance_admin.user)
    resolver = PeriodResolver(org)
    posting = resolver.posting_period(dt.date(2026, 1, 15))
    # when
    post(org, [(posting.pk, "adjustment", posted[0].pk, -250, partner.pk, "4000", "correction")])
    # then
    correction = KitEntry.objects.get(organization=org, sequence=4)
    assert (posting, resolver.revenue_period(dt.date(2026, 1, 15))) == (periods[2], periods[1])
    assert (correction.period_id, correction.corrects_id, correction.amount) == (
        periods[2].pk,
        posted[0].pk,
        Decimal("-2.50"),
    )
    assert KitSeal.objects.get(organization=org).entry_count == 3
    assert _problem(org) is None


def test_a_well_keyed_entry_slipped_into_a_sealed_period_is_reported(org, periods, posted, finance_admin):
    # given: someone with the key appends to a sealed period, bypassing the writer
    period_close(period=periods[1], actor=finance_admin.user)
    head = posted[-1]
    body = entry_body(
        "dev", org.pk, 4, periods[1].pk, "original", None, cents_text(500_000), f"{head.partner_id}|4000|"
    )
    # when
    _forge(org, head, prev_hash=head.hash, digest=link_hash(DEV_KEY, head.hash, body))
    # then
    assert _problem(org) == (4, f"entry posted in period {periods[1].pk} after it was sealed")


class _Unwritable:
    """A field value whose text cannot be made: the writer fails in the middle of a posting."""

    def __str__(self) -> str:
        raise ValueError("no text for this value")


@pytest.mark.postgres
def test_a_posting_failing_inside_its_copy_writes_nothing_and_the_ledger_goes_on(org, periods, partner):
    # given: more rows than one COPY batch, so the COPY is already streaming when row 10,001 fails
    rows = [row(periods[1], partner, 100) for _ in range(WRITE_BATCH)]
    rows.append(row(periods[1], partner, 100, memo=_Unwritable()))
    # when
    with pytest.raises(ValueError, match=r"^no text for this value$"):
        post(org, rows, use_copy=True)
    count = post(org, [row(periods[1], partner, 5)], use_copy=True)
    # then
    assert count == 1
    assert KitEntry.objects.filter(organization=org).count() == 1
    assert _problem(org) is None


BINARY_VALUES = [
    ("0.01", "0.00", 1, "si", None),
    ("-0.01", "100.00", -5, "", 7),
    ("9999999999999999.99", "33.33", 2**62, "influence", 0),
    ("-1234567.89", "12.50", 0, "ünïcode", 2**40),
    ("100.00", "0.10", 42, "referral", None),
    ("0.10", "5.00", 9, "isv", 1),
]


@pytest.mark.postgres
def test_binary_copy_fields_store_the_values_they_encode():
    # given: rows encoded field by field, amounts through the column encoder
    moment = dt.datetime(2026, 11, 30, 12, 34, 56, 789012, tzinfo=dt.UTC)
    amounts = np.zeros(len(BINARY_VALUES), dtype=pg_binary.NUMERIC)
    pg_binary.numeric_cents(amounts, np.array([int(Decimal(v[0]) * 100) for v in BINARY_VALUES]))
    rows = [
        pg_binary.field_count(6)
        + amount
        + pg_binary.numeric_bytes(Decimal(percent))
        + pg_binary.int8_bytes(number)
        + pg_binary.text_bytes(text)
        + pg_binary.int8_bytes(maybe)
        + pg_binary.timestamptz_bytes(moment)
        for amount, (_, percent, number, text, maybe) in zip(
            pg_binary.rows(amounts), BINARY_VALUES, strict=True
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE binary_fields (amount numeric(18, 2), percent numeric(5, 2), "
            "number bigint, label varchar(16), maybe bigint, at timestamptz)"
        )
        # when
        with cursor.cursor.copy("COPY binary_fields FROM STDIN WITH (FORMAT BINARY)") as copy:
            copy.write(pg_binary.SIGNATURE + b"".join(rows) + pg_binary.TRAILER)
        cursor.execute("SELECT amount, percent, number, label, maybe, at FROM binary_fields")
        stored = cursor.fetchall()
        cursor.execute("SELECT amount::text, percent::text FROM binary_fields")
        texts = cursor.fetchall()
    # then: the values, and their text as the server prints it (two decimals, no stray zeros)
    assert stored == [(Decimal(a), Decimal(p), n, t, m, moment) for a, p, n, t, m in BINARY_VALUES]
    assert texts == [(a, p) for a, p, *_ in BINARY_VALUES]


def test_binary_numeric_refuses_a_third_decimal():
    # when / then
    with pytest.raises(ValueError, match="more than two decimals"):
        pg_binary.numeric_bytes(Decimal("1.005"))
