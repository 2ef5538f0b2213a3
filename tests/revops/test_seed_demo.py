"""manage.py seed_demo: deterministic, idempotent, isolated, valid and realistic demo data."""

import datetime as dt
import io
import itertools
import random
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, F, Sum
from django.urls import reverse

from revops import demo
from revops.demo import registry
from revops.demo.deals import fiscal_quarter_end
from revops.demo.logins import NO_DEMO_DATA
from revops.demo.names import company_name
from revops.demo.specs import DEMO_ORGS
from revops.models import (
    Account,
    AuditEvent,
    FiscalPeriod,
    JobRun,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    Partner,
    Product,
    ProductLine,
    User,
)
from revops.models.crm import CLOSED_STAGES

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
SCALE = 0.05
SEEDED_MODELS = (
    Organization,
    User,
    Membership,
    Partner,
    ProductLine,
    Product,
    Account,
    Opportunity,
    OpportunityStageChange,
    FiscalPeriod,
    JobRun,
)


def _seed(*extra: str, scale: float = SCALE, seed: int = 42) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        "--seed",
        str(seed),
        "--scale",
        str(scale),
        "--today",
        TODAY.isoformat(),
        *extra,
        stdout=out,
    )
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def _fingerprint() -> dict:
    """Everything that identifies the seeded data, without database ids or wall-clock times."""
    return {
        "counts": _counts(),
        "emails": set(User.objects.values_list("email", flat=True)),
        "amount_by_stage": set(
            Opportunity.objects.values_list("organization__slug", "stage").annotate(total=Sum("amount"))
        ),
        "changes_by_stage": set(
            OpportunityStageChange.objects.values_list("organization__slug", "to_stage").annotate(
                n=Count("id")
            )
        ),
        "opportunities": set(
            Opportunity.objects.values_list(
                "external_id",
                "account__external_id",
                "owner__email",
                "stage",
                "amount",
                "created_date",
                "expected_close_date",
                "close_date",
                "product_line__code",
                "lead_source",
            )
        ),
        "stage_changes": set(
            OpportunityStageChange.objects.values_list(
                "opportunity__external_id",
                "from_stage",
                "to_stage",
                "amount",
                "changed_at",
                "changed_by__email",
            )
        ),
        "periods": set(
            FiscalPeriod.objects.values_list(
                "organization__slug", "start_date", "fiscal_year", "fiscal_quarter", "status", "closed_at"
            )
        ),
    }


def test_same_seed_and_today_give_identical_data():
    # given: one run, fingerprinted, then rolled back so the database is empty again
    with transaction.atomic():
        _seed()
        first = _fingerprint()
        transaction.set_rollback(True)
    assert Organization.objects.count() == 0
    assert Opportunity.objects.count() == 0
    # when
    _seed()
    # then
    assert _fingerprint() == first


def test_another_seed_gives_other_data():
    # given
    with transaction.atomic():
        _seed(seed=42)
        first = _fingerprint()
        transaction.set_rollback(True)
    # when
    _seed(seed=7)
    second = _fingerprint()
    # then: same people and sizes, other deals (and so other stage walks, and other jobs: a
    # partner activity approved on an account with no open deal queues no ledger alignment)
    for counts in (first["counts"], second["counts"]):
        counts.pop("OpportunityStageChange")
        counts.pop("JobRun")
    assert second["counts"] == first["counts"]
    assert second["emails"] == first["emails"]
    assert second["opportunities"] != first["opportunities"]


def test_second_run_adds_nothing():
    # given
    _seed()
    before = _fingerprint()
    # when
    output = _seed()
    # then
    assert _fingerprint() == before
    assert "acme: already seeded, nothing to add." in output
    assert "globex: already seeded, nothing to add." in output


def test_sizes_follow_the_spec_and_the_scale():
    # when
    _seed()
    # then
    for spec in DEMO_ORGS:
        org = Organization.objects.get(slug=spec.slug)
        reps = sum(team.reps for team in spec.teams)
        assert (org.name, org.currency, org.time_zone, org.fiscal_year_start_month) == (
            spec.name,
            spec.currency,
            spec.time_zone,
            spec.fiscal_year_start_month,
        )
        assert Account.objects.filter(organization=org).count() == round(spec.accounts * SCALE)
        assert Opportunity.objects.filter(organization=org).count() == round(spec.opportunities * SCALE)
        assert Partner.objects.filter(organization=org).count() == spec.partners
        assert ProductLine.objects.filter(organization=org).count() == 5
        assert Product.objects.filter(organization=org).count() == sum(
            len(pl.products) for pl in spec.product_lines
        )
        assert dict(
            Membership.objects.filter(organization=org).values_list("role").annotate(n=Count("id"))
        ) == {
            "admin": 1,
            "manager": 1 + len(spec.teams),
            "finance": 1,
            "rep": reps,
            "partner": spec.partner_users,
        }
    assert reps == 40


def test_only_option_seeds_one_organization():
    # when
    _seed("--org", "globex")
    # then
    assert list(Organization.objects.values_list("slug", flat=True)) == ["globex"]
    assert Opportunity.objects.exclude(organization__slug="globex").count() == 0


def test_organizations_are_isolated():
    # when
    _seed()
    # then
    member_orgs = defaultdict(set)
    for user_id, org_id in Membership.objects.values_list("user_id", "organization_id"):
        member_orgs[user_id].add(org_id)
    assert all(len(orgs) == 1 for orgs in member_orgs.values())
    for org_id, account_org, owner_id in Opportunity.objects.values_list(
        "organization_id", "account__organization_id", "owner_id"
    ):
        assert account_org == org_id
        assert member_orgs[owner_id] == {org_id}
    for org_id, owner_id in Account.objects.values_list("organization_id", "owner_id"):
        assert member_orgs[owner_id] == {org_id}
    mismatched = OpportunityStageChange.objects.exclude(organization_id=F("opportunity__organization_id"))
    assert mismatched.count() == 0
    assert Opportunity.objects.exclude(product_line__organization_id=F("organization_id")).count() == 0


def test_stage_histories_walk_forward_and_end_in_the_stage():
    # when
    _seed()
    # then
    order = ["prospecting", "qualification", "proposal", "negotiation"]
    history = defaultdict(list)
    for row in OpportunityStageChange.objects.order_by("opportunity_id", "changed_at").values_list(
        "opportunity_id", "from_stage", "to_stage", "changed_at", "amount"
    ):
        history[row[0]].append(row[1:])
    opportunities = list(Opportunity.objects.all())
    assert len(history) == len(opportunities)
    for opp in opportunities:
        rows = history[opp.pk]
        assert rows[0][0] == ""
        assert rows[0][1] == "prospecting"
        assert [r[0] for r in rows[1:]] == [r[1] for r in rows[:-1]]
        open_walk = [r[1] for r in rows if r[1] not in CLOSED_STAGES]
        assert open_walk == order[: len(open_walk)]
        assert all(a[2] < b[2] for a, b in itertools.pairwise(rows))
        assert rows[-1][1] == opp.stage
        assert rows[-1][3] == opp.amount
        assert rows[-1][2].date() <= TODAY
        if opp.stage in CLOSED_STAGES:
            assert opp.close_date is not None
            assert opp.created_date < opp.close_date < TODAY
        else:
            assert opp.close_date is None
            assert opp.expected_close_date > TODAY


def test_sample_rows_pass_model_validation():
    # when
    _seed()
    # then: full_clean checks fields, choices, clean() and constraints
    for model in (Membership, Partner, ProductLine, Product, Account, Opportunity, FiscalPeriod):
        for row in model.objects.order_by("pk")[:25]:
            row.full_clean()
    for change in OpportunityStageChange.objects.order_by("pk")[:50]:
        change.full_clean()
    assert Opportunity.objects.filter(amount__lt=Decimal("500")).count() == 0


def test_demo_users_can_sign_in_with_the_demo_password(client):
    # given
    _seed("--org", "acme")
    # when
    response = client.post(
        reverse("account_login"),
        {"login": "rep7@acme.example", "password": settings.REVOPS_DEMO_PASSWORD, "next": "/api/schema/"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == "/api/schema/"
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="rep7@acme.example").pk


def test_wrong_password_does_not_sign_in(client):
    # given
    _seed("--org", "acme")
    # when
    response = client.post(reverse("account_login"), {"login": "admin@acme.example", "password": "wrong"})
    # then
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_every_demo_user_shares_one_password_hash():
    # when
    _seed()
    # then
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1
    assert User.objects.get(email="finance@globex.example").check_password(settings.REVOPS_DEMO_PASSWORD)


def test_roles_follow_the_login_pattern():
    # when
    _seed()
    # then
    for spec in DEMO_ORGS:
        members = {
            m.user.email: m
            for m in Membership.objects.filter(organization__slug=spec.slug).select_related("user", "manager")
        }
        assert members[spec.email("admin")].role == "admin"
        assert members[spec.email("admin")].user.is_staff is True
        assert (members[spec.email("manager")].role, members[spec.email("manager")].org_wide) == (
            "manager",
            True,
        )
        assert members[spec.email("finance")].role == "finance"
        for n, team in enumerate(spec.teams, start=1):
            team_manager = members[spec.email(f"manager{n}")]
            assert (team_manager.role, team_manager.org_wide, team_manager.team) == (
                "manager",
                False,
                team.name,
            )
            team_reps = [m for m in members.values() if m.role == "rep" and m.manager_id == team_manager.pk]
            assert len(team_reps) == team.reps
            assert {m.team for m in team_reps} == {team.name}
        for n in range(1, 41):
            assert members[spec.email(f"rep{n}")].role == "rep"
        partner_users = [members[spec.email(f"partner{n}")] for n in range(1, spec.partner_users + 1)]
        assert [m.role for m in partner_users] == ["partner"] * spec.partner_users
        assert len({m.partner_id for m in partner_users}) == spec.partner_users
        assert all(m.partner.status == Partner.Status.ACTIVE for m in partner_users)
        assert len(members) == 3 + len(spec.teams) + 40 + spec.partner_users


def test_periods_cover_the_data_and_close_in_order():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        periods = list(FiscalPeriod.objects.filter(organization=org).order_by("start_date"))
        opps = Opportunity.objects.filter(organization=org)
        first_created = opps.order_by("created_date").first().created_date
        last_expected = opps.order_by("-expected_close_date").first().expected_close_date
        # from the start of the three-year history, which no deal predates
        assert periods[0].start_date == (TODAY - dt.timedelta(days=3 * 365)).replace(day=1)
        assert periods[0].start_date <= first_created
        assert periods[-1].start_date == last_expected.replace(day=1)
        months = [p.start_date.year * 12 + p.start_date.month for p in periods]
        assert months == list(range(months[0], months[-1] + 1))
        statuses = [p.status for p in periods]
        closed = [p for p in periods if p.is_closed]
        assert statuses == ["closed"] * len(closed) + ["open"] * (len(periods) - len(closed))
        assert closed[-1].start_date == dt.date(2025, 12, 1)
        finance = User.objects.get(email=f"finance@{org.slug}.example")
        assert {p.closed_by_id for p in closed} == {finance.pk}
        assert all(p.closed_at.date() > p.end_date for p in closed)
        assert [p.closed_at for p in closed] == sorted(p.closed_at for p in closed)
        # closed through the period-close service, which audits each close
        audits = AuditEvent.objects.filter(organization=org, action="period.close")
        assert sorted(audits.values_list("object_id", flat=True)) == sorted(str(p.pk) for p in closed)
        assert set(audits.values_list("actor_id", "reason")) == {(finance.pk, "demo close")}


def test_deals_look_like_a_sales_pipeline():
    # given: a larger sample, so rates are stable
    _seed("--org", "acme", scale=0.25)
    org = Organization.objects.get(slug="acme")
    closed = Opportunity.objects.filter(organization=org, stage__in=CLOSED_STAGES).select_related("account")
    # when
    by_segment = defaultdict(Counter)
    cycles = defaultdict(list)
    quarter_end_wins = 0
    for opp in closed:
        by_segment[opp.account.segment][opp.stage] += 1
        if opp.stage == "closed_won":
            cycles[opp.account.segment].append((opp.close_date - opp.created_date).days)
            quarter_end_wins += (fiscal_quarter_end(opp.close_date, 1) - opp.close_date).days < 14
    won = sum(c["closed_won"] for c in by_segment.values())
    rate = {seg: c["closed_won"] / (c["closed_won"] + c["closed_lost"]) for seg, c in by_segment.items()}
    # then
    assert 0.2 <= won / closed.count() <= 0.3
    assert rate["enterprise"] < rate["smb"]
    assert all(30 <= days <= 180 for days in itertools.chain.from_iterable(cycles.values()))
    assert statistics.median(cycles["enterprise"]) > statistics.median(cycles["smb"])
    assert quarter_end_wins / won > 0.35  # two weeks of thirteen hold far more than 2/13 of wins
    first_created = Opportunity.objects.filter(organization=org).order_by("created_date")[0].created_date
    assert first_created >= TODAY - dt.timedelta(days=3 * 365)
    # closes drift from the expected dates, later more often than earlier, as real deals do
    drift = Counter(
        (opp.close_date > opp.expected_close_date) - (opp.close_date < opp.expected_close_date)
        for opp in closed
    )
    assert drift[1] / closed.count() > 0.4
    assert 0.05 < drift[-1] / closed.count() < drift[1] / closed.count()
    assert all(opp.expected_close_date > opp.created_date for opp in closed)


def test_an_added_step_runs_once_on_an_existing_demo_database(monkeypatch):
    # given: a seeded database, then a step registered later by another app
    _seed("--org", "acme")
    before = _counts()
    monkeypatch.setattr(registry, "_steps", dict(registry._steps))
    calls = []

    def seed_extra(ctx):
        calls.append((ctx.organization.slug, ctx.today))
        return {"extras": 3}

    demo.register_step("extras", seed_extra, phase=demo.Phase.PIPELINE, requires=("opportunities",))
    # when
    _seed("--org", "acme")
    _seed("--org", "acme")
    # then
    assert calls == [("acme", TODAY)]
    # in its phase: after the step it requires, before the books of the next phase
    names = [s.name for s in registry.demo_steps()]
    assert names.index("opportunities") < names.index("extras") < names.index("periods")
    assert _counts() == {**before, "JobRun": before["JobRun"] + 1}
    assert JobRun.objects.get(idempotency_key="demo-seed:extras").counts == {"extras": 3}


def test_bad_today_is_refused_and_creates_nothing():
    # when
    with pytest.raises(CommandError, match="--today must be YYYY-MM-DD"):
        call_command("seed_demo", "--today", "15/03/2026", "--quiet")
    # then
    assert _counts() == dict.fromkeys(_counts(), 0)


def test_demo_logins_lists_every_login_pattern():
    # given
    _seed("--quiet")
    out = io.StringIO()
    # when
    call_command("demo_logins", stdout=out)
    # then
    text = out.getvalue()
    assert f"password for all: {settings.REVOPS_DEMO_PASSWORD}" in text
    for slug in ("acme", "globex"):
        for login in ("admin", "manager", "manager1..manager6", "finance", "rep1..rep40", "partner4"):
            assert f"  {login}@{slug}.example " in text


def test_demo_logins_without_data_says_how_to_seed():
    # when
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    # then
    assert out.getvalue() == NO_DEMO_DATA + "\n"


def test_accounts_have_real_sounding_names_without_numbers():
    # when: the full-size demo's 400 accounts of one organization
    _seed("--org", "acme", scale=1.0)
    # then
    names = list(Account.objects.values_list("name", flat=True))
    assert len(names) == len(set(names)) == 400
    assert not [name for name in names if any(ch.isdigit() for ch in name)]


def test_company_names_take_a_qualifier_then_a_number_only_when_the_lists_run_out():
    # given: one word, one qualifier, one suffix: two names before a number is needed
    rng, used = random.Random(1), set()
    # when
    names = []
    for _ in range(4):
        names.append(
            company_name(rng, words=["Summit"], qualifiers=["Pacific"], suffixes=["Health"], used=used)
        )
        used.add(names[-1])
    # then
    assert names == [
        "Summit Health",
        "Summit Pacific Health",
        "Summit Pacific Health 2",
        "Summit Pacific Health 3",
    ]
