"""Recompute: post what the splits say minus what is posted, never touching closed periods."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from attribution.models import AttributionEntry, AttributionRuleVersion
from attribution.selectors.alignment import alignment_state_current
from attribution.services.jobs import attribution_recompute_enqueue
from attribution.services.links import opportunity_partner_set
from attribution.services.recompute import attribution_recompute
from attribution.services.revenue import revenue_events_import
from attribution.services.rules import rule_create, rule_update
from revops.models import AuditEvent, FiscalPeriod, JobRun
from revops.services.periods import period_close, periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def months(org):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    return {p.start_date.month: p for p in FiscalPeriod.objects.filter(organization=org)}


@pytest.fixture
def deal(org, rep):
    account = AccountFactory(organization=org, owner=rep.user, external_id="ACC-1")
    return OpportunityFactory(organization=org, account=account, owner=rep.user, external_id="OPP-1")


@pytest.fixture
def alpha(org):
    return PartnerFactory(organization=org, name="Alpha")


@pytest.fixture
def beta(org):
    return PartnerFactory(organization=org, name="Beta")


@pytest.fixture
def book(org, months, deal, alpha, beta):
    """A deal with Alpha at 10 % (referral) and Beta at 5 % (isv), and a 1,000.00 event in January."""
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=alpha, role="referral", split_percent=Decimal("10")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=beta, role="isv", split_percent=Decimal("5")
    )
    return RevenueEventFactory(
        organization=org, opportunity=deal, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )


def _entries(org):
    return list(AttributionEntry.objects.filter(organization=org).order_by("sequence"))


def _period_total(org, period):
    return AttributionEntry.objects.filter(organization=org, period=period).aggregate(t=Sum("amount"))["t"]


def test_recompute_posts_each_partner_share_of_the_event(org, months, book, alpha, beta):
    # when
    result = attribution_recompute(organization=org)
    # then
    entries = _entries(org)
    assert [(e.partner_id, e.role, e.kind, e.split_percent, e.amount) for e in entries] == [
        (alpha.pk, "referral", "original", Decimal("10.00"), Decimal("100.00")),
        (beta.pk, "isv", "original", Decimal("5.00"), Decimal("50.00")),
    ]
    assert {(e.period_id, e.revenue_period_id) for e in entries} == {(months[1].pk, months[1].pk)}
    assert entries[0].explanation == {"source": "manual"}
    assert (result.entries, dict(result.by_kind), result.total) == (2, {"original": 2}, Decimal("150.00"))


def test_recompute_twice_posts_nothing_the_second_time(org, book):
    # given
    attribution_recompute(organization=org)
    # when
    second = attribution_recompute(organization=org)
    # then
    assert (second.events, second.entries, second.total) == (1, 0, Decimal("0.00"))
    assert len(_entries(org)) == 2


def test_split_change_posts_exactly_the_difference(org, book, deal, alpha, manager):
    # given
    attribution_recompute(organization=org)
    original = AttributionEntry.objects.get(organization=org, partner=alpha)
    opportunity_partner_set(
        membership=manager, opportunity=deal, partner=alpha, role="referral",
        split_percent=Decimal("12.5"), reason="Partner sourced the second workshop",
    )  # fmt: skip
    # when
    result = attribution_recompute(organization=org)
    # then
    adjustment = _entries(org)[-1]
    assert (result.entries, dict(result.by_kind)) == (1, {"adjustment": 1})
    assert (adjustment.kind, adjustment.amount, adjustment.split_percent) == (
        "adjustment",
        Decimal("25.00"),
        Decimal("12.50"),
    )
    assert adjustment.reverses_id == original.pk
    assert AttributionEntry.objects.filter(partner=alpha).aggregate(t=Sum("amount"))["t"] == Decimal("125.00")


def test_removing_a_partner_reverses_what_it_was_posted(org, book, deal, beta, manager):
    # given
    attribution_recompute(organization=org)
    original = AttributionEntry.objects.get(organization=org, partner=beta)
    opportunity_partner_set(
        membership=manager, opportunity=deal, partner=beta, role="isv",
        split_percent=Decimal("5"), status="inactive", reason="Partner withdrew",
    )  # fmt: skip
    # when
    attribution_recompute(organization=org)
    # then
    reversal = _entries(org)[-1]
    assert (reversal.kind, reversal.amount, reversal.reverses_id) == (
        "reversal",
        Decimal("-50.00"),
        original.pk,
    )
    assert AttributionEntry.objects.filter(partner=beta).aggregate(t=Sum("amount"))["t"] == Decimal("0.00")


def test_closed_period_totals_never_change(org, months, book, deal, alpha, finance_admin, manager):
    # given: January posted and closed
    attribution_recompute(organization=org)
    january_total = _period_total(org, months[1])
    original = AttributionEntry.objects.get(organization=org, partner=alpha)
    period_close(period=months[1], actor=finance_admin.user)
    # when: a split edit, a recompute and a January revenue import after the close
    opportunity_partner_set(
        membership=manager, opportunity=deal, partner=alpha, role="referral",
        split_percent=Decimal("20"), reason="Renegotiated",
    )  # fmt: skip
    attribution_recompute(organization=org)
    revenue_events_import(
        organization=org,
        lines=["opportunity_external_id,date,amount,external_id", "OPP-1,2026-01-25,200.00,late-jan"],
    )
    # then
    assert january_total == Decimal("150.00")
    assert _period_total(org, months[1]) == Decimal("150.00")
    later = [
        (e.kind, e.partner_id, e.amount, e.period_id, e.revenue_period_id, e.reverses_id)
        for e in _entries(org)[2:]
    ]
    assert later == [
        ("adjustment", alpha.pk, Decimal("100.00"), months[2].pk, months[1].pk, original.pk),
        ("original", alpha.pk, Decimal("40.00"), months[2].pk, months[1].pk, None),
        (
            "original",
            book.opportunity.partner_links.get(role="isv").partner_id,
            Decimal("10.00"),
            months[2].pk,
            months[1].pk,
            None,
        ),
    ]
    assert _period_total(org, months[2]) == Decimal("150.00")


def test_dry_run_writes_nothing_and_reports_totals_per_partner(org, book, alpha, beta, capsys):
    # when
    call_command("attribution_recompute", "--org", org.slug, "--dry-run")
    # then
    assert capsys.readouterr().out.splitlines() == [
        "Would post 2 entries for 1 revenue events (original 2).",
        "  Alpha: 100.00",
        "  Beta: 50.00",
        "Total: 150.00",
    ]
    assert _entries(org) == []


def test_recompute_job_runs_once_per_key(org, book, admin, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, created = attribution_recompute_enqueue(organization=org, actor=admin.user, idempotency_key="k1")
    with django_capture_on_commit_callbacks(execute=True) as again:
        same, created_again = attribution_recompute_enqueue(
            organization=org, actor=admin.user, idempotency_key="k1"
        )
    # then
    job.refresh_from_db()
    assert (created, created_again, same.pk, again) == (True, False, job.pk, [])
    assert job.status == JobRun.Status.SUCCEEDED
    assert job.counts == {
        "events": 1,
        "entries": 2,
        "by_kind": {"original": 2},
        "total": "150.00",
        "accounts": None,  # a recompute asked for compares the whole book
        "aligned": alignment_state_current(organization=org).state.as_json(),
    }
    assert len(_entries(org)) == 2


def test_rule_splits_carry_their_rule_version_and_a_rule_change_adjusts(org, months, deal, alpha, admin):
    # given: Alpha's link has no fixed split; a rule gives referral partners 20 %
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=alpha, role="referral", split_percent=None
    )
    RevenueEventFactory(
        organization=org, opportunity=deal, date=dt.date(2026, 2, 3), amount=Decimal("500.00")
    )
    rule, diagnostics, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 20",
        definition={"action": {"kind": "set_split", "percent": "20"}, "conditions": {"roles": ["referral"]}},
    )
    attribution_recompute(organization=org)
    v1 = AttributionRuleVersion.objects.get(rule=rule, number=1)
    # when
    rule_update(
        organization=admin.organization,
        actor=admin.user, rule=rule, reason="Program change",
        definition={"action": {"kind": "set_split", "percent": "25"}, "conditions": {"roles": ["referral"]}},
    )  # fmt: skip
    attribution_recompute(organization=org)
    # then
    v2 = AttributionRuleVersion.objects.get(rule=rule, number=2)
    first, second = _entries(org)
    assert diagnostics == []
    assert (first.amount, first.rule_version_id, first.explanation["rule"]["version"]) == (
        Decimal("100.00"),
        v1.pk,
        1,
    )
    assert (second.kind, second.amount, second.rule_version_id) == ("adjustment", Decimal("25.00"), v2.pk)
    audit = AuditEvent.objects.get(action="attribution_rule.update")
    assert (
        audit.before["definition"]["action"]["percent"],
        audit.after["definition"]["action"]["percent"],
        audit.reason,
    ) == (
        "20.00",
        "25.00",
        "Program change",
    )
