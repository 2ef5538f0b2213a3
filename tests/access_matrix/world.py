"""The rows the access matrix requests: two organizations, every actor, one row of each kind.

Everything object routes point at lives in `org` (Acme). The outsider is an admin of
`other_org` (Globex), which holds a deal of its own so its lists are not trivially empty.
Actors mirror the fixtures of tests/conftest.py (same e-mails and roles).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from attribution.models import AttributionEntry, AttributionPeriodSeal
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from attribution.services.settings import attribution_settings_get
from revops.models import FiscalPeriod, ImportProfile, Membership, Opportunity
from revops.services.audit import audit_record
from revops.services.periods import period_close, periods_ensure
from revops.services.tokens import api_token_create, api_token_revoke
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import (
    AccountFactory,
    JobRunFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
    ProductFactory,
    StageChangeFactory,
    UserFactory,
)

ACTORS = ("anonymous", "admin", "manager", "finance", "rep", "partner", "outsider")


@dataclass
class World:
    """Actors by column name and object ids by matrix key."""

    actors: dict[str, Membership | None] = field(default_factory=dict)
    ids: dict[str, int | str] = field(default_factory=dict)
    outsider_ids: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # session key per signed-in actor


def _member(org, role: str, email: str, **extra) -> Membership:
    return MembershipFactory(organization=org, user=UserFactory(email=email), role=role, **extra)


def _actors(org, other_org, partner) -> dict[str, Membership | None]:
    manager = _member(org, "manager", "manager@acme.test", team="East")
    return {
        "anonymous": None,
        "admin": _member(org, "admin", "admin@acme.test"),
        "manager": manager,
        "finance": _member(org, "finance", "finance@acme.test"),
        "rep": _member(org, "rep", "rep1@acme.test", manager=manager, team="East"),
        "partner": _member(org, "partner", "partner1@acme.test", partner=partner),
        "outsider": _member(other_org, "admin", "admin@globex.test"),
    }


def _core_rows(org, actors, partner) -> dict[str, int | str]:
    admin, rep = actors["admin"], actors["rep"]
    account = AccountFactory(organization=org, owner=rep.user, name="Rep account")
    opportunity = OpportunityFactory(
        organization=org, account=account, owner=rep.user, name="Rep deal", amount=Decimal("5000.00")
    )
    product = ProductFactory(organization=org)
    stage_change = StageChangeFactory(opportunity=opportunity)
    periods_ensure(organization=org, start=dt.date(2025, 12, 1), end=dt.date(2026, 12, 31))
    closed = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2025, 12, 1))
    period_close(period=closed, actor=admin.user, reason="Year end")
    open_period = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 2, 1))
    job = JobRunFactory(organization=org, started_by=admin.user)
    import_job = JobRunFactory(
        organization=org,
        kind="import.opportunities",
        params={"import_kind": "opportunities", "mode": "preview"},
    )
    import_profile = ImportProfile.objects.create(organization=org, kind="opportunities", name="CRM export")
    token, _key = api_token_create(organization=org, user=rep.user, name="CI", acting_user=rep.user)
    revoked, _key = api_token_create(organization=org, user=rep.user, name="Old", acting_user=rep.user)
    api_token_revoke(token=revoked, acting_user=rep.user)
    audit = audit_record(organization=org, actor=admin.user, action="matrix.seed", obj=opportunity)
    return {
        "opportunity": opportunity.pk,
        "account": account.pk,
        "partner": partner.pk,
        "product": product.pk,
        "productline": product.product_line_id,
        "opportunitystagechange": stage_change.pk,
        "fiscalperiod": open_period.pk,
        "closed_period": closed.pk,
        "jobrun": job.pk,
        "import_job": import_job.pk,
        "importprofile": import_profile.pk,
        "apitoken": token.pk,
        "revoked_token": revoked.pk,
        "auditevent": audit.pk,
        "membership": rep.pk,
        "user": rep.user_id,
        "organization": org.pk,
        "opportunity_contenttype": ContentType.objects.get_for_model(Opportunity).pk,
    }


def _attribution_rows(org, actors, ids) -> dict[str, int | str]:
    admin = actors["admin"]
    settings = attribution_settings_get(organization=org)
    rule, _diagnostics, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 12",
        definition={"action": {"kind": "set_split", "percent": "12"}, "conditions": {"roles": ["referral"]}},
    )
    link = OpportunityPartnerFactory(
        organization=org, opportunity_id=ids["opportunity"], partner_id=ids["partner"], split_percent=None
    )
    account_link = AccountPartnerFactory(
        organization=org, account_id=ids["account"], partner=PartnerFactory(organization=org, name="Contoso")
    )
    event = RevenueEventFactory(
        organization=org, opportunity=link.opportunity, amount=Decimal("1000.00"), date=dt.date(2026, 2, 10)
    )
    attribution_recompute(organization=org, actor=admin.user)
    job = JobRunFactory(organization=org, kind="attribution.recompute", started_by=admin.user)
    return {
        "attribution_job": job.pk,
        "attributionsettings": settings.pk,
        "attributionrule": rule.pk,
        "attributionruleversion": rule.current_version.pk,
        "opportunitypartner": link.pk,
        "accountpartner": account_link.pk,
        "revenueevent": event.pk,
        "attributionentry": AttributionEntry.objects.filter(organization=org).order_by("sequence").first().pk,
        "attributionperiodseal": AttributionPeriodSeal.objects.get(organization=org).pk,
    }


def _global_rows(actors) -> dict[str, int | str]:
    """Rows of models outside any organization (superuser territory in the admin)."""
    rep_user = actors["rep"].user
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    attempt = {"username": "rep1@acme.test", "ip_address": "10.0.0.1", "user_agent": "matrix"}
    return {
        "group": Group.objects.create(name="Matrix").pk,
        "emailaddress": EmailAddress.objects.create(user=rep_user, email=rep_user.email, primary=True).pk,
        "authenticator": Authenticator.objects.create(
            user=rep_user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "0" * 40, "used_mask": 0}
        ).pk,
        "accessattempt": AccessAttempt.objects.create(failures_since_start=1, **attempt).pk,
        "accesslog": AccessLog.objects.create(**attempt).pk,
        "accessfailurelog": AccessFailureLog.objects.create(**attempt).pk,
        "intervalschedule": interval.pk,
        "crontabschedule": CrontabSchedule.objects.create(minute="0", hour="3").pk,
        "clockedschedule": ClockedSchedule.objects.create(
            clocked_time=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        ).pk,
        "solarschedule": SolarSchedule.objects.create(event="sunrise", latitude=50, longitude=10).pk,
        "periodictask": PeriodicTask.objects.create(name="matrix", task="matrix.noop", interval=interval).pk,
    }


def world_build() -> World:
    """Create both organizations, the actors and one row of every kind object routes need."""
    org = OrganizationFactory(name="Acme", slug="acme")
    other_org = OrganizationFactory(name="Globex", slug="globex")
    partner = PartnerFactory(organization=org, name="Northwind Partners")
    actors = _actors(org, other_org, partner)
    ids = _core_rows(org, actors, partner)
    ids |= _attribution_rows(org, actors, ids)
    ids |= _global_rows(actors)
    outsider_deal = OpportunityFactory(organization=other_org, name="Globex deal")
    outsider_ids = {"opportunity": outsider_deal.pk, "account": outsider_deal.account_id}
    return World(actors=actors, ids=ids, outsider_ids=outsider_ids)
