"""seed_demo's partner attribution: links, rules, revenue, a verified ledger, seals and a correction."""

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F, Max, Sum

from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionPeriodSeal,
    AttributionRule,
    AttributionRuleVersion,
    AttributionSettings,
    OpportunityPartner,
    RevenueEvent,
)
from revops.models import Account, AuditEvent, FiscalPeriod, Opportunity, Organization, User
from revops.models.crm import Stage
from revops.money import quantize_money

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
SCALE = 0.05
FIRST_OPEN_MONTH = dt.date(2026, 1, 1)  # the current month and the two before it stay open
YEAR_START = TODAY - dt.timedelta(days=364)
SLUGS = ("acme", "globex")


def _seed(seed: int = 42) -> None:
    call_command(
        "seed_demo", "--seed", str(seed), "--scale", str(SCALE), "--today", TODAY.isoformat(), "--quiet"
    )


def _ledger_fingerprint() -> dict:
    """Count and total of the entries per organization, partner and kind; no database ids."""
    return {
        (slug, partner, kind): (n, total)
        for slug, partner, kind, n, total in AttributionEntry.objects.values_list(
            "organization__slug", "partner__external_id", "kind"
        )
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    }


def _attribution_counts() -> dict[str, int]:
    models = (
        AttributionEntry,
        AttributionPeriodSeal,
        AttributionRule,
        AttributionRuleVersion,
        AttributionSettings,
        OpportunityPartner,
        AccountPartner,
        RevenueEvent,
        AuditEvent,
    )
    return {model.__name__: model.objects.count() for model in models}


def _python_total(entries) -> Decimal:
    # Summed in Python: SQLite sums decimals as floats.
    return sum(entries.values_list("amount", flat=True), Decimal("0.00"))


def test_every_seeded_ledger_verifies():
    # given
    _seed()
    for slug in SLUGS:
        out = io.StringIO()
        # when: a broken ledger raises CommandError (exit status 2)
        call_command("verify_ledger", "--org", slug, "--ledger", "attribution", stdout=out)
        # then
        entries = AttributionEntry.objects.filter(organization__slug=slug).count()
        closed = FiscalPeriod.objects.filter(
            organization__slug=slug, status=FiscalPeriod.Status.CLOSED
        ).count()
        assert out.getvalue() == f"Ledger attribution intact: {entries} entries, {closed} period seals.\n"
        assert entries > 0
        assert closed == 34


def test_every_closed_period_is_sealed_with_the_totals_posted_in_it():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        finance = User.objects.get(email=f"finance@{org.slug}.example")
        last_original = (
            AttributionEntry.objects.filter(organization=org, kind=AttributionEntry.Kind.ORIGINAL)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        posted_totals = []
        heads = []
        for period in FiscalPeriod.objects.filter(organization=org).order_by("start_date"):
            seals = list(AttributionPeriodSeal.objects.filter(period=period))
            entries = AttributionEntry.objects.filter(organization=org, period=period)
            if not period.is_closed:
                assert seals == []
                continue
            assert len(seals) == 1
            seal = seals[0]
            assert (seal.entry_count, seal.total_amount) == (entries.count(), _python_total(entries))
            # each month was posted at its month end, just before its close: the seal holds
            # the last entry posted into it or an earlier month, nothing of later months
            posted_up_to_now = AttributionEntry.objects.filter(
                organization=org, period__start_date__lte=period.start_date
            ).aggregate(last=Max("sequence"))["last"]
            assert seal.last_sequence == (posted_up_to_now or 0)
            assert seal.sealed_by_id == finance.pk
            posted_totals.append(seal.total_amount)
            heads.append(seal.last_hash)
        assert sum(posted_totals) > 0
        # successive months with postings hold successive chain heads
        assert len(set(heads)) >= len([t for t in posted_totals if t]) > 12
        assert last_original > max(
            s.last_sequence for s in AttributionPeriodSeal.objects.filter(organization=org)
        )


def test_the_split_change_after_the_close_posts_adjustments_in_the_first_open_period():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        first_open = FiscalPeriod.objects.get(organization=org, start_date=FIRST_OPEN_MONTH)
        assert first_open.status == FiscalPeriod.Status.OPEN
        assert not FiscalPeriod.objects.filter(
            organization=org, start_date__lt=FIRST_OPEN_MONTH, status=FiscalPeriod.Status.OPEN
        ).exists()
        every_correction = list(
            AttributionEntry.objects.filter(organization=org)
            .exclude(kind=AttributionEntry.Kind.ORIGINAL)
            .select_related("revenue_period", "revenue_event", "explanation_ref")
        )
        # (the partner program's demo accepts a dispute: its adjustments cite it, all in the
        # first open period)
        cited = [c for c in every_correction if c.explanation.get("reference")]
        assert all(c.period_id == first_open.pk and c.explanation["reference"]["kind"] for c in cited)
        corrections = [c for c in every_correction if not c.explanation.get("reference")]
        assert [c.kind for c in corrections] == [AttributionEntry.Kind.ADJUSTMENT]
        adjustment = corrections[0]
        original = adjustment.reverses
        assert adjustment.revenue_period.is_closed
        assert adjustment.period_id == first_open.pk
        assert (original.kind, original.period_id, original.revenue_period_id) == (
            AttributionEntry.Kind.ORIGINAL,
            adjustment.revenue_period_id,
            adjustment.revenue_period_id,
        )
        assert (original.revenue_event_id, original.partner_id, original.role) == (
            adjustment.revenue_event_id,
            adjustment.partner_id,
            adjustment.role,
        )
        # the partner now holds the amended split of the booking (to the cent of the split)
        link = OpportunityPartner.objects.get(
            opportunity_id=adjustment.revenue_event.opportunity_id,
            partner_id=adjustment.partner_id,
            role=adjustment.role,
        )
        assert link.split_percent == adjustment.split_percent != original.split_percent
        wanted = quantize_money(adjustment.revenue_event.amount * link.split_percent / 100)
        assert abs(original.amount + adjustment.amount - wanted) <= Decimal("0.01")
        # (the partner program's demo approvals set links too, each on a deal of its own)
        audit = AuditEvent.objects.get(
            organization=org, action="opportunity_partner.set", object_id=str(link.pk)
        )
        assert (audit.object_id, audit.reason) == (str(link.pk), "Partner agreement amended")
        assert audit.before["split_percent"] != audit.after["split_percent"] == str(link.split_percent)


def test_same_seed_gives_the_same_ledger():
    # given: one run, fingerprinted, then rolled back so the database is empty again
    with transaction.atomic():
        _seed()
        first = _ledger_fingerprint()
        first_counts = _attribution_counts()
        transaction.set_rollback(True)
    assert AttributionEntry.objects.count() == 0
    # when
    _seed()
    # then
    assert _ledger_fingerprint() == first
    assert _attribution_counts() == first_counts
    assert {slug for slug, _, _ in first} == set(SLUGS)


def test_second_seed_adds_no_entries():
    # given
    _seed()
    before = _attribution_counts()
    fingerprint = _ledger_fingerprint()
    # when
    _seed()
    # then
    assert _attribution_counts() == before
    assert _ledger_fingerprint() == fingerprint


def test_nothing_crosses_organizations():
    # when
    _seed()
    # then
    org = F("organization_id")
    assert OpportunityPartner.objects.exclude(opportunity__organization_id=org).count() == 0
    assert OpportunityPartner.objects.exclude(partner__organization_id=org).count() == 0
    assert AccountPartner.objects.exclude(account__organization_id=org).count() == 0
    assert AccountPartner.objects.exclude(partner__organization_id=org).count() == 0
    assert RevenueEvent.objects.exclude(account__organization_id=org).count() == 0
    assert (
        RevenueEvent.objects.filter(opportunity__isnull=False)
        .exclude(opportunity__organization_id=org)
        .count()
        == 0
    )
    entries = AttributionEntry.objects.all()
    assert entries.count() > 0
    for relation in ("revenue_event", "partner", "period", "revenue_period"):
        assert entries.exclude(**{f"{relation}__organization_id": org}).count() == 0
    assert entries.filter(rule_version__isnull=False).exclude(rule_version__organization_id=org).count() == 0
    assert AttributionPeriodSeal.objects.exclude(period__organization_id=org).count() == 0
    assert AttributionRuleVersion.objects.exclude(rule__organization_id=org).count() == 0


def test_settings_and_rules_are_set_through_the_services():
    # when
    _seed()
    # then
    settings = {s.organization.slug: s for s in AttributionSettings.objects.select_related("organization")}
    assert (settings["acme"].si_mode, settings["globex"].si_mode) == ("live_share", "fixed_percent")
    assert settings["globex"].si_fixed_percent == Decimal("12.50")
    for slug in SLUGS:
        rules = AttributionRule.objects.filter(organization__slug=slug, is_active=True)
        versions = Counter(
            AttributionRuleVersion.objects.filter(rule__in=rules).values_list("rule_id", flat=True)
        )
        assert rules.count() == 5
        assert sorted(versions.values()) == [1, 1, 1, 1, 2]
        assert all(rule.current_version.number == versions[rule.pk] for rule in rules)
        audits = Counter(
            AuditEvent.objects.filter(
                organization__slug=slug, object_type="attribution.attributionrule"
            ).values_list("action", flat=True)
        )
        assert audits == {"attribution_rule.create": 5, "attribution_rule.update": 1}
        revised = AttributionRuleVersion.objects.get(rule__organization__slug=slug, number=2)
        assert revised.change_reason != ""
        assert (
            revised.definition != AttributionRuleVersion.objects.get(rule=revised.rule, number=1).definition
        )


def test_partner_links_look_like_a_partner_program():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        deals = Opportunity.objects.filter(organization=org).count()
        links = list(OpportunityPartner.objects.filter(organization=org).select_related("partner"))
        # approved partner activities add an influence link where the partner was not yet on
        # the deal: a fourth partner at most, and only from those
        per_deal = Counter(link.opportunity_id for link in links if link.source != "touchpoint")
        assert 0.2 <= len(per_deal) / deals <= 0.4
        assert set(per_deal.values()) <= {1, 2, 3}
        assert max(Counter(link.opportunity_id for link in links).values()) <= 4
        # (an approved activity is influence whatever roles the partner usually plays)
        assert all(link.role in link.partner.types for link in links if link.source != "touchpoint")
        assert {link.role for link in links if link.source == "touchpoint"} == {"influence"}
        assert {link.source for link in links} == {"manual", "registration", "sync", "touchpoint"}
        manual = [link for link in links if link.split_percent is not None]
        assert 0 < len(manual) < len(links)
        fixed_by_deal = defaultdict(Decimal)
        for link in manual:
            fixed_by_deal[link.opportunity_id] += link.split_percent
        assert max(fixed_by_deal.values()) <= 100

        shares = AccountPartner.objects.filter(organization=org)
        accounts = Account.objects.filter(organization=org).count()
        per_account = dict(shares.values_list("account_id").annotate(total=Sum("split_percent")).order_by())
        assert len(per_account) == round(accounts * 0.15)
        assert max(per_account.values()) <= 100
        assert set(shares.values_list("role", flat=True)) == {"si", "referral"}
        assert all(
            role in partner_types for role, partner_types in shares.values_list("role", "partner__types")
        )


def test_revenue_is_bookings_of_every_win_and_monthly_bills_of_customers():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        won = Opportunity.objects.filter(organization=org, stage=Stage.CLOSED_WON, close_date__lte=TODAY)
        bookings = RevenueEvent.objects.filter(organization=org, source="closed_won_booking")
        assert set(bookings.values_list("opportunity_id", "account_id", "date", "amount")) == set(
            won.values_list("id", "account_id", "close_date", "amount")
        )
        assert bookings.count() == won.count() > 0
        # bookings go back as far as the deal history: "all time" is not "the last year"
        assert bookings.order_by("date").first().date < TODAY - dt.timedelta(days=2 * 365)
        bills = RevenueEvent.objects.filter(
            organization=org, source="monthly_account_revenue", opportunity=None
        )
        assert set(bills.values_list("date__day", flat=True)) == {1}
        customers = set(won.values_list("account_id", flat=True))
        billed = set(bills.values_list("account_id", flat=True))
        assert billed <= customers
        assert len(billed) == 3  # ~60 accounts at scale 1.0
        for account_id in billed:
            wins = list(won.filter(account_id=account_id).values_list("close_date", "amount"))
            first_bill = bills.filter(account_id=account_id).order_by("date").first()
            assert first_bill.date > min(day for day, _ in wins)
            # a bill is a twelfth of the deals won in the year before, give or take usage
            year_before = first_bill.date - dt.timedelta(days=365)
            live = sum(amount for day, amount in wins if year_before <= day < first_bill.date)
            assert live * Decimal("0.92") / 12 - 1 <= first_bill.amount <= live * Decimal("1.08") / 12 + 1
        # sizes a finance team recognises: no dust
        assert bills.filter(amount__lt=Decimal("100.00")).count() == 0
        # a third of the billing customers (one of three at this scale) have partner shares
        shared = set(AccountPartner.objects.filter(organization=org).values_list("account_id", flat=True))
        assert len(billed & shared) == 1


def test_the_demo_schedules_a_weekly_executive_report_for_admin_and_finance():
    # when
    _seed()
    _seed()

    # then: one schedule per organization (a second seed adds none), to members of its own
    from revops.models import ReportSchedule

    for slug in SLUGS:
        schedule = ReportSchedule.objects.get(organization__slug=slug)
        assert (schedule.name, schedule.report, schedule.frequency, schedule.fmt) == (
            "Monday executive report",
            "executive",
            "weekly",
            "pdf",
        )
        recipients = list(schedule.recipients.all())
        assert {m.organization.slug for m in recipients} == {slug}
        assert {m.role for m in recipients} <= {"admin", "finance"}
        assert any(m.user_id == schedule.owner_id for m in recipients)
