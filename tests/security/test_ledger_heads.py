"""Signed chain-head statements at period close: a later rewrite is detectable from outside."""

import json

import pytest
from django.core.management import CommandError, call_command

from revops.ledger.chain import link_hash
from revops.ledger.heads import BAD_SIGNATURE, ENTRY_CHANGED, ENTRY_GONE, statement_problems
from revops.services.periods import period_close
from tests.ledger_kit.models import KitEntry
from tests.ledger_kit.test_kit import DEV_KEY, TABLE, _raw, partner, periods, posted  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(org, periods, posted, finance_admin, settings, tmp_path, django_capture_on_commit_callbacks):  # noqa: F811
    """January closed: the statement file written once the close committed."""
    settings.REVOPS_LEDGER_HEADS_DIR = str(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        period_close(period=periods[1], actor=finance_admin.user)
    [path] = list((tmp_path / org.slug).glob("*.json"))
    return path


def test_closing_a_period_writes_a_signed_statement_of_every_ledger_head(org, closed, posted):  # noqa: F811
    # when
    document = json.loads(closed.read_text())
    # then
    [kit] = [h for h in document["statement"]["ledgers"] if h["ledger"] == "kit_test"]
    assert (kit["last_sequence"], kit["last_hash"], kit["entry_count"]) == (3, posted[-1].hash, 3)
    assert document["statement"]["period"] == "2026-01"
    assert document["key_id"] == "dev" and len(document["signature"]) == 64
    assert statement_problems(document) == []
    call_command("ledger_heads_check", str(closed))


def test_an_edited_statement_fails_its_signature(closed):
    document = json.loads(closed.read_text())
    document["statement"]["ledgers"][0]["total_amount"] = "1.00"
    assert statement_problems(document) == [BAD_SIGNATURE]


def test_a_chain_rewritten_with_the_key_is_caught_by_the_statement(org, closed, posted):  # noqa: F811
    # given: someone with the key and the database rewrites the last entry and re-chains it
    last = posted[-1]
    forged = link_hash(DEV_KEY, last.prev_hash, f"a different body for entry {last.pk}")
    _raw(f"UPDATE {TABLE} SET hash = %s WHERE id = %s", [forged, last.pk])
    # when / then
    assert statement_problems(json.loads(closed.read_text())) == [
        ENTRY_CHANGED.format(ledger="kit_test", sequence=3)
    ]
    with pytest.raises(CommandError, match="1 of 1 statements no longer hold"):
        call_command("ledger_heads_check", str(closed))


def test_a_cut_chain_is_caught_by_the_statement(org, closed, posted):  # noqa: F811
    _raw(f"DELETE FROM {TABLE} WHERE id = %s", [posted[-1].pk])
    assert statement_problems(json.loads(closed.read_text())) == [
        ENTRY_GONE.format(ledger="kit_test", sequence=3)
    ]
    assert KitEntry.objects.count() == 2
