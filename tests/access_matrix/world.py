"""The rows the access matrix requests: two organizations, every actor, one row of each kind.

Everything object routes point at lives in `org` (Acme) and belongs to `rep` (team "East",
reporting to `manager`) or to the partner of `partner`. Around it, the attacker's targets:

- `other_rep` (team "West", reporting to `other_manager`) owns the Osprey deal and account;
- a rep labelled "East" like the manager's team but reporting to nobody owns Plover: a
  manager sees their reports, not everyone sharing a team name;
- the rep also owns Heron, an account without any deal (their manager must still see it);
- `other_partner` acts for Wren Partners, credited on the Osprey deal;
- the outsider is an admin of `other_org` (Globex), whose Ibis deal, account and partner have
  ledger entries of their own.

Commissions follow the same owners: each rep's January sales are to a customer named with
their word and come from a file named with it ("Kestrel-2026-01.csv"); the rep's January
statement is approved, the other rep's is a draft.

Each of those names is a sentinel (`SENTINELS`): a word that may appear in a response only
for the actors listed with it. Actors mirror the fixtures of tests/conftest.py.
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

from attribution.models import AttributionEntry, AttributionPeriodSeal, OpportunityPartner, RevenueEvent
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from attribution.services.settings import attribution_settings_get
from commissions.models import (
    BusinessObjective,
    CashReceipt,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionStatement,
    PlanAssignment,
    RepAlias,
    SalesTransaction,
    ServiceMapping,
    Territory,
)
from commissions.services.disputes import dispute_raise
from commissions.services.statements import statement_approve, statements_compute
from distribution.models import Campaign, DistributionRun, Lead, LeadAssignment, SalespersonProfile
from distribution.services.configs import config_create
from forecasting.models import CurrentScores, DealScore, ForecastCall, ForecastSnapshot, ModelVersion
from partners.models import (
    ApprovalDecision,
    ApprovalPolicy,
    ApprovalStep,
    DealRegistration,
    PartnerDispute,
    PartnerManagerGrant,
    PartnerTouchpoint,
    SplitChangeRequest,
)
from partners.selectors.links import link_token
from partners.services.approvals import registration_decide
from partners.services.disputes import dispute_comment, dispute_open
from partners.services.links import registration_link_create
from partners.services.program import program_settings_get
from partners.services.registrations import RegistrationInput, registration_submit
from partners.services.standing import program_recompute
from revops.models import Account, FiscalPeriod, ImportProfile, Membership, Opportunity, Partner, Role
from revops.models.salesforce import (
    FieldMapping,
    PushbackAction,
    PushbackLogEntry,
    SalesforceConnection,
    SyncAction,
    SyncLogEntry,
    SyncObject,
    SyncSegment,
)
from revops.services.audit import audit_record
from revops.services.periods import period_close, periods_ensure
from revops.services.reports import report_schedule_create
from revops.services.tokens import api_token_create, api_token_revoke
from tests.access_matrix.expect import ACTORS
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import (
    AccountFactory,
    JobRunFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
    ProductFactory,
    ProductLineFactory,
    StageChangeFactory,
    UserFactory,
)

INTERNAL = frozenset({"admin", "manager", "finance", "rep", "other_rep", "other_manager"})
# Sentinel word → the actors who may read it; everyone else must never get it in any body.
SENTINELS: dict[str, frozenset[str]] = {
    # The rep's deal and account; Northwind (the partner) is credited on the deal and sees it
    # in the portal.
    "Kestrel": frozenset({"admin", "manager", "finance", "rep", "partner"}),
    "Heron": frozenset({"admin", "manager", "finance", "rep"}),  # the rep's account without deals
    # Another team's deal; Wren (the other partner) is credited on it.
    "Osprey": frozenset({"admin", "finance", "other_rep", "other_manager", "other_partner"}),
    # Same team name, not the manager's report; Northwind is credited on this deal too.
    "Plover": frozenset({"admin", "finance", "partner"}),
    "Merlin": frozenset({"admin", "rep"}),  # the rep's API tokens
    "Northwind": INTERNAL | {"partner"},  # partners are organization-wide for internal roles
    "Wren": INTERNAL | {"other_partner"},
    "Contoso": INTERNAL,
    "Ibis": frozenset({"outsider"}),  # another organization's deal, account and partner
    # Deal registrations: the partner's (Bittern) and the other partner's (Dunlin), seen by
    # their own partner and by those who approve or read registrations (not reps).
    "Bittern": frozenset({"admin", "manager", "finance", "other_manager", "partner"}),
    "Dunlin": frozenset({"admin", "manager", "finance", "other_manager", "other_partner"}),
    # An internal note on the partner's dispute (Kestrel deal): internal members who see the
    # dispute, never a partner user.
    "Sandpiper": frozenset({"admin", "manager", "finance", "rep"}),
}


@dataclass
class World:
    """Actors by column name, object ids by matrix key, and who may read which sentinel."""

    actors: dict[str, Membership | None] = field(default_factory=dict)
    ids: dict[str, int | str] = field(default_factory=dict)
    outsider_ids: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # session key per signed-in actor

    def forbidden(self, actor: str) -> list[str]:
        """Sentinel words `actor` must never receive."""
        return [word for word, readers in SENTINELS.items() if actor not in readers]


def _member(org, role: str, email: str, **extra) -> Membership:
    return MembershipFactory(organization=org, user=UserFactory(email=email), role=role, **extra)


def _actors(org, other_org, partner, other_partner) -> dict[str, Membership | None]:
    manager = _member(org, Role.MANAGER, "manager@acme.test", team="East")
    other_manager = _member(org, Role.MANAGER, "manager2@acme.test", team="West")
    actors = {
        "anonymous": None,
        "admin": _member(org, Role.ADMIN, "admin@acme.test"),
        "manager": manager,
        "finance": _member(org, Role.FINANCE, "finance@acme.test"),
        "rep": _member(org, Role.REP, "rep1@acme.test", manager=manager, team="East"),
        "partner": _member(org, Role.PARTNER, "partner1@acme.test", partner=partner),
        "outsider": _member(other_org, Role.ADMIN, "admin@globex.test"),
        "other_rep": _member(org, Role.REP, "rep2@acme.test", manager=other_manager, team="West"),
        "other_manager": other_manager,
        "other_partner": _member(org, Role.PARTNER, "partner2@acme.test", partner=other_partner),
    }
    assert tuple(actors) == ACTORS
    return actors


def _deal(org, owner, word: str, amount: str = "5000.00") -> Opportunity:
    account = AccountFactory(organization=org, owner=owner, name=f"{word} Ltd")
    return OpportunityFactory(
        organization=org, account=account, owner=owner, name=f"{word} deal", amount=Decimal(amount)
    )


def _core_rows(org, actors, partner) -> dict[str, int | str]:
    admin, rep = actors["admin"], actors["rep"]
    opportunity = _deal(org, rep.user, "Kestrel")
    account = opportunity.account
    quiet_account = AccountFactory(organization=org, owner=rep.user, name="Heron Ltd")
    drifter = _member(org, Role.REP, "drifter@acme.test", team="East")
    drifter_deal = _deal(org, drifter.user, "Plover")
    other_deal = _deal(org, actors["other_rep"].user, "Osprey")
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
    token, _key = api_token_create(organization=org, user=rep.user, name="Merlin CI", acting_user=rep.user)
    revoked, _key = api_token_create(organization=org, user=rep.user, name="Merlin old", acting_user=rep.user)
    api_token_revoke(token=revoked, acting_user=rep.user)
    audit = audit_record(organization=org, actor=admin.user, action="matrix.seed", obj=opportunity)
    schedule = report_schedule_create(
        owner=rep,
        actor=rep.user,
        name="Monday partners",
        report="partner-performance",
        period="this_quarter",
        frequency="weekly",
        fmt="pdf",
        recipients=[rep],
    )
    connection = SalesforceConnection.objects.create(
        organization=org, instance_url="https://acme.my.salesforce.com", session_env="ACME_SF_TOKEN"
    )
    segment = SyncSegment.objects.create(
        organization=org, connection=connection, sobject=SyncObject.OPPORTUNITY, name="EMEA"
    )
    mapping = FieldMapping.objects.create(
        organization=org,
        connection=connection,
        sobject=SyncObject.OPPORTUNITY,
        salesforce_field="Name",
        target_field="name",
    )
    log_entry = SyncLogEntry.objects.create(
        organization=org,
        connection=connection,
        job=job,
        sobject=SyncObject.OPPORTUNITY,
        salesforce_id="006000000000001AAA",
        action=SyncAction.CREATE,
    )
    pushback_entry = PushbackLogEntry.objects.create(
        organization=org,
        connection=connection,
        job=job,
        period=open_period,
        external_key=f"{org.pk}-006000000000001AAA-p1-referral-2026-02",
        action=PushbackAction.CREATE,
    )
    return {
        "salesforceconnection": connection.pk,
        "pushbacklogentry": pushback_entry.pk,
        "syncsegment": segment.pk,
        "fieldmapping": mapping.pk,
        "synclogentry": log_entry.pk,
        "opportunity": opportunity.pk,
        "account": account.pk,
        "quiet_account": quiet_account.pk,
        "drifter_opportunity": drifter_deal.pk,
        "other_opportunity": other_deal.pk,
        "other_account": other_deal.account_id,
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
        "report_schedule": schedule.pk,
        "reportschedule": schedule.pk,
        "membership": rep.pk,
        "user": rep.user_id,
        "organization": org.pk,
        "opportunity_contenttype": ContentType.objects.get_for_model(Opportunity).pk,
    }


def _credit(org, deal_id: int, partner, split: str | None = None) -> OpportunityPartner:
    """A partner on a deal with one revenue event, so the ledger has lines for both."""
    percent = None if split is None else Decimal(split)
    deal = Opportunity.objects.get(pk=deal_id)
    link = OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, split_percent=percent
    )
    RevenueEventFactory(
        organization=org, opportunity=link.opportunity, amount=Decimal("1000.00"), date=dt.date(2026, 2, 10)
    )
    return link


def _attribution_rows(org, actors, ids, other_partner) -> dict[str, int | str]:
    admin = actors["admin"]
    settings = attribution_settings_get(organization=org)
    rule, _diagnostics, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 12",
        definition={"action": {"kind": "set_split", "percent": "12"}, "conditions": {"roles": ["referral"]}},
    )
    partner = Partner.objects.get(pk=ids["partner"])
    link = _credit(org, ids["opportunity"], partner)
    _credit(org, ids["other_opportunity"], other_partner)
    _credit(org, ids["drifter_opportunity"], partner)
    account_link = AccountPartnerFactory(
        organization=org,
        account=Account.objects.get(pk=ids["account"]),
        partner=PartnerFactory(organization=org, name="Contoso"),
    )
    attribution_recompute(organization=org, actor=admin.user)
    job = JobRunFactory(organization=org, kind="attribution.recompute", started_by=admin.user)
    entries = AttributionEntry.objects.filter(
        organization=org, revenue_event__opportunity_id=ids["opportunity"]
    )
    return {
        "attribution_job": job.pk,
        "attributionsettings": settings.pk,
        "attributionrule": rule.pk,
        "attributionruleversion": rule.current_version.pk,
        "opportunitypartner": link.pk,
        "accountpartner": account_link.pk,
        "revenueevent": RevenueEvent.objects.get(opportunity_id=ids["opportunity"]).pk,
        "attributionentry": entries.order_by("sequence").first().pk,
        "attributionperiodseal": AttributionPeriodSeal.objects.get(organization=org).pk,
    }


JANUARY = dt.date(2026, 1, 1)


def _commission_plan(org, name: str) -> CommissionPlan:
    plan = CommissionPlan.objects.create(organization=org, name=name)
    CommissionPlanVersion.objects.create(
        organization=org,
        plan=plan,
        version=1,
        effective_from=JANUARY,
        tier1_rate=Decimal("5"),
        tier2_rate=Decimal("8"),
    )
    return plan


def _sale(org, user, line, word: str) -> SalesTransaction:
    """A January sale to "<word> Ltd" from "<word>-2026-01.csv", on a plan with an objective."""
    amount = Decimal("4000.00")
    return SalesTransaction.objects.create(
        organization=org,
        rep=user,
        product_line=line,
        date=dt.date(2026, 1, 15),
        customer=f"{word} Ltd",
        sales_amount=amount,
        revenue_amount=amount,
        commission_base=amount,
        currency=org.currency,
        source_file=f"{word}-2026-01.csv",
        source_row=2,
        dedupe_key=f"{word}-1",
    )


def _receipt(org, word: str) -> CashReceipt:
    """Cash received against the January sale's document, from "<word>-payments.csv"."""
    return CashReceipt.objects.create(
        organization=org,
        document_number=f"{word}-INV-1",
        date=dt.date(2026, 2, 10),
        amount=Decimal("1000.00"),
        source_file=f"{word}-payments.csv",
        source_row=2,
        dedupe_key=f"{word}-pay-1",
    )


def _commission_rows(org, actors, ids) -> dict[str, int | str]:
    """A plan for the three reps of Acme, their January sales and statements."""
    rep, finance = actors["rep"], actors["finance"]
    drifter = Membership.objects.get(organization=org, user__email="drifter@acme.test")
    line = ProductLineFactory(organization=org, name="Matrix line", code="matrix")
    plan = _commission_plan(org, "Matrix plan")
    sales = {}
    for word, user in (("Kestrel", rep.user), ("Osprey", actors["other_rep"].user), ("Plover", drifter.user)):
        PlanAssignment.objects.create(organization=org, rep=user, product_line=line, plan=plan, start=JANUARY)
        BusinessObjective.objects.create(
            organization=org, rep=user, product_line=line, month=JANUARY, amount=Decimal("10000.00")
        )
        sales[word] = _sale(org, user, line, word)
    statements_compute(organization=org, actor=finance.user, month=JANUARY)
    statement = CommissionStatement.objects.get(organization=org, rep=rep.user, month=JANUARY)
    statement_approve(statement=statement, actor=actors["manager"].user)
    other = CommissionStatement.objects.get(organization=org, rep=actors["other_rep"].user, month=JANUARY)
    dispute = dispute_raise(
        statement=statement,
        line=statement.lines.get(),
        actor=rep.user,
        kind="missing_sale",
        comment="One missing",
    )
    return {
        "statementdispute": dispute.pk,
        "salestransaction": sales["Kestrel"].pk,
        "other_salestransaction": sales["Osprey"].pk,
        "cashreceipt": _receipt(org, "Kestrel").pk,
        "other_rep_user": actors["other_rep"].user_id,
        "commissionstatement": statement.pk,
        "statement_line": statement.lines.get().pk,
        "other_statement": other.pk,
        "other_statement_line": other.lines.get().pk,
        "commissionplan": plan.pk,
        "commissionplanversion": plan.versions.get().pk,
        "planassignment": PlanAssignment.objects.get(rep=rep.user).pk,
        "businessobjective": BusinessObjective.objects.get(rep=rep.user).pk,
        "matrix_line": line.pk,
        "repalias": RepAlias.objects.create(organization=org, alias="R. One", rep=rep.user).pk,
        "territory": Territory.objects.create(organization=org, code="10115", rep=rep.user).pk,
        "servicemapping": ServiceMapping.objects.create(
            organization=org, service="Matrix service", product_line=line
        ).pk,
    }


DISTRIBUTION_DOC = "campaign: {name: Matrix}\ndistribution: {strategy: round_robin}\n"


def _distribution_run(org, config, leads: list[Lead]) -> DistributionRun:
    """An applied run that gave each lead to its owner, with its preview and assignments."""
    run = DistributionRun.objects.create(
        organization=org,
        config=config,
        config_version=config.versions.get(),
        config_name=config.name,
        mode="applied",
        status="applied",
        run_on=dt.date(2026, 3, 2),
        strategies=["round_robin"],
        counts={"assigned": len(leads), "excluded": 0, "unassigned": 0},
        reps=[
            {
                "rep_id": lead.owner_id,
                "name": f"Rep {lead.owner_id}",
                "before": 0,
                "assigned": 1,
                "after": 1,
                "target": None,
                "capacity": None,
            }
            for lead in leads
        ],
        preview=[
            {
                "lead_id": lead.pk,
                "lead": lead.name,
                "rep_id": lead.owner_id,
                "rep": f"Rep {lead.owner_id}",
                "strategy": "round_robin",
                "reason": "first in rotation",
            }
            for lead in leads
        ],
    )
    for lead in leads:
        LeadAssignment.objects.create(
            organization=org,
            lead=lead,
            rep_id=lead.owner_id,
            run=run,
            strategy="round_robin",
            explanation={"reason": "first in rotation", "filters_passed": [], "eligible": 1, "seed": 0},
        )
    return run


def _distribution_rows(org, actors) -> dict[str, int | str]:
    """Each rep's lead named with their word (Kestrel, Osprey, Plover), one config and one run."""
    drifter = Membership.objects.get(organization=org, user__email="drifter@acme.test")
    owners = (("Kestrel", actors["rep"].user), ("Osprey", actors["other_rep"].user), ("Plover", drifter.user))
    leads = [Lead.objects.create(organization=org, name=f"{word} lead", owner=user) for word, user in owners]
    config = config_create(organization=org, name="Matrix daily", document=DISTRIBUTION_DOC)
    run = _distribution_run(org, config, leads)
    campaign = Campaign.objects.create(organization=org, name="Matrix campaign")
    profile = SalespersonProfile.objects.create(organization=org, user=actors["rep"].user, campaign=campaign)
    return {
        "lead": leads[0].pk,
        "distribution_campaign": campaign.pk,
        "salespersonprofile": profile.pk,
        "distribution_lead": leads[0].pk,
        "other_distribution_lead": leads[1].pk,
        "distributionconfig": config.pk,
        "distributionrun": run.pk,
        "leadassignment": LeadAssignment.objects.get(lead=leads[0]).pk,
    }


def _marketing_rows(org, actors, ids) -> dict[str, int | str]:
    """Touches on the rep's Kestrel deal and the other team's Osprey deal, and a finished run."""
    from attribution.marketing.models import Campaign, Channel, PathSet, Touchpoint
    from attribution.marketing.services.configs import model_config_save
    from attribution.marketing.services.runs import run_create, run_execute
    from attribution.marketing.services.schedules import config_schedule_set

    search = Channel.objects.create(organization=org, name="Paid search", grouping="Paid")
    event = Channel.objects.create(organization=org, name="Trade show", grouping="Offline")
    for n, (deal_key, channel, day) in enumerate(
        [("opportunity", search, 5), ("opportunity", event, 9), ("other_opportunity", event, 7)]
    ):
        deal = Opportunity.objects.get(pk=ids[deal_key])
        Touchpoint.objects.create(
            organization=org,
            occurred_at=dt.datetime(2026, 1, day, 12, tzinfo=dt.UTC),
            channel=channel,
            account_id=deal.account_id,
            external_id=f"matrix-touch-{n}",
        )
    config = model_config_save(
        organization=org, actor=actors["admin"].user, name="Matrix linear", model="linear"
    )
    run, _job = run_create(
        organization=org,
        config=config,
        actor=actors["admin"].user,
        window_start=dt.date(2026, 1, 1),
        window_end=dt.date(2026, 1, 31),
    )
    run_execute(run_id=run.pk)
    campaign = Campaign.objects.create(organization=org, channel=search, name="Spring search")
    path_set = PathSet.objects.create(organization=org, name="Matrix paths")
    schedule = config_schedule_set(organization=org, actor=actors["admin"].user, config_name=config.name)
    return {
        "pathset": path_set.pk,
        "configschedule": schedule.pk,
        "channel": event.pk,
        "marketing_campaign": campaign.pk,
        "touchpoint": Touchpoint.objects.filter(organization=org).first().pk,
        "marketing_journey": ids["opportunity"],
        "other_marketing_journey": ids["other_opportunity"],
        "attributionrun": run.pk,
        "modelconfig": config.pk,
    }


def _outsider_rows(other_org, outsider) -> dict[str, int]:
    """Globex: a deal, an account and a partner with ledger entries, all named Ibis."""
    deal = _deal(other_org, outsider.user, "Ibis")
    periods_ensure(organization=other_org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    _credit(other_org, deal.pk, PartnerFactory(organization=other_org, name="Ibis Partners"), split="10")
    attribution_recompute(organization=other_org, actor=outsider.user)
    line = ProductLineFactory(organization=other_org, name="Globex line", code="globex")
    plan = _commission_plan(other_org, "Globex plan")
    PlanAssignment.objects.create(
        organization=other_org, rep=outsider.user, product_line=line, plan=plan, start=JANUARY
    )
    sale = _sale(other_org, outsider.user, line, "Ibis")
    statements_compute(organization=other_org, actor=outsider.user, month=JANUARY)
    statement = CommissionStatement.objects.get(organization=other_org)
    lead = Lead.objects.create(organization=other_org, name="Ibis lead", owner=outsider.user)
    config = config_create(organization=other_org, name="Ibis daily", document=DISTRIBUTION_DOC)
    _distribution_run(other_org, config, [lead])
    return {
        "opportunity": deal.pk,
        "account": deal.account_id,
        "salestransaction": sale.pk,
        "cashreceipt": _receipt(other_org, "Ibis").pk,
        "commissionstatement": statement.pk,
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


def _partner_rows(org, other_org, actors, partner) -> dict[str, int | str]:
    """A registration of each partner of Acme (Bittern, Dunlin) and one of Globex (Ibis)."""
    line = ProductLineFactory(organization=org, name="Registered line", code="registered")

    def register(membership, word: str, line) -> int:
        data = RegistrationInput(
            account_name=f"{word} Holdings",
            domain=f"{word.lower()}.example",
            contact_name="",
            contact_email="",
            description="",
            estimated_value=Decimal("12000.00"),
            currency="USD",
            product_line=line,
            expected_close=dt.date(2026, 6, 30),
            role="referral",
        )
        return registration_submit(membership=membership, data=data).pk

    # Globex's registration is written as a row: a partner user there would be one more member
    # of Globex, whose admin is meant to be its only one.
    globex = DealRegistration.objects.create(
        organization=other_org,
        partner=PartnerFactory(organization=other_org, name="Ibis Resellers"),
        account_name="Ibis Holdings",
        estimated_value=Decimal("12000.00"),
        product_line=ProductLineFactory(organization=other_org, name="Globex registered", code="registered"),
        expected_close=dt.date(2026, 6, 30),
        role="referral",
        steps=[{"name": "Approval", "role": "", "user_id": None, "sla_hours": 48, "escalate_to_id": None}],
    )
    bittern = register(actors["partner"], "Bittern", line)
    dunlin = register(actors["other_partner"], "Dunlin", line)
    policy = ApprovalPolicy.objects.create(organization=org, name="Matrix policy")
    ApprovalStep.objects.create(
        organization=org, policy=policy, name="Any manager", approver_role=Role.MANAGER
    )
    decided = register(actors["partner"], "Bittern", ProductLineFactory(organization=org, code="decided"))
    registration_decide(
        membership=actors["manager"], registration_id=decided, approve=False, reason="Matrix rejection"
    )
    return {
        "registration": bittern,
        "other_registration": dunlin,
        "outsider_registration": globex.pk,
        "dealregistration": bittern,
        "approvaldecision": ApprovalDecision.objects.get(registration_id=decided).pk,
        "approvalpolicy": policy.pk,
        "programsettings": program_settings_get(organization=org).pk,
        "partnermanagergrant": PartnerManagerGrant.objects.create(
            organization=org, membership=_member(org, Role.PARTNER, "boss@northwind.test", partner=partner)
        ).pk,
        **_link_rows(org, other_org, actors, partner),
    }


# The single default step (any approver), as a request routed with no policy gets it.
_ANY_APPROVER = [
    {"name": "Approval", "role": "", "user_id": None, "sla_hours": 48, "escalate_to_id": None, "policy": ""}
]


def _approval_rows(org, actors, ids, partner) -> dict[str, int | str]:
    """A touchpoint of each Acme partner on its own deal (the partner's on Kestrel, the other
    partner's on Osprey) and a split change of the partner's Kestrel split asked by finance
    (who cannot decide it): every approver may take them."""
    due = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    def touchpoint(member: str, deal_id: int) -> int:
        deal = Opportunity.objects.get(pk=deal_id)
        return PartnerTouchpoint.objects.create(
            organization=org,
            partner=actors[member].partner,
            submitted_by=actors[member].user,
            account_id=deal.account_id,
            opportunity=deal,
            activity_type="workshop",
            occurred_on=dt.date(2026, 2, 2),
            description="Matrix workshop",
            steps=_ANY_APPROVER,
            step_due_at=due,
        ).pk

    link = OpportunityPartner.objects.filter(opportunity_id=ids["opportunity"], partner=partner).first()
    split = SplitChangeRequest.objects.create(
        organization=org,
        opportunity_id=ids["opportunity"],
        partner=partner,
        role=link.role,
        current_split=link.split_percent if link.status == "active" else None,
        proposed_split=Decimal("1.00"),
        reason="Matrix split change",
        submitted_by=actors["finance"].user,
        steps=_ANY_APPROVER,
        step_due_at=due,
    )
    return {
        # (not "touchpoint": that key is the marketing touchpoint its admin rows open)
        "partner_touchpoint": touchpoint("partner", ids["opportunity"]),
        "other_partner_touchpoint": touchpoint("other_partner", ids["other_opportunity"]),
        "split_change": split.pk,
    }


def _link_rows(org, other_org, actors, partner) -> dict[str, int | str]:
    """A signed registration link of an Acme partner and one of a Globex partner.

    Whoever holds a link reads its partner's name on the form, so the link's partner is not
    one of the sentinel partners (Northwind, Wren) that other actors must never read.
    """
    linnet = PartnerFactory(organization=org, name="Linnet Referrals")
    link = registration_link_create(membership=actors["manager"], partner=linnet, label="Matrix link")
    globex_link = registration_link_create(
        membership=actors["outsider"], partner=PartnerFactory(organization=other_org, name="Ibis Links")
    )
    # The other partner's user holds the partner-manager grant and has a colleague to manage
    # (the portal's users page); the partner's user has no grant (the page is a 404 for them).
    PartnerManagerGrant.objects.create(organization=org, membership=actors["other_partner"])
    wren = actors["other_partner"].partner
    colleague = _member(org, Role.PARTNER, "colleague@wren.test", partner=wren)
    return {
        "registration_link": link.pk,
        "link_token": link_token(link),
        "outsider_link": globex_link.pk,
        "partner_colleague": colleague.pk,
        "partner_membership": actors["partner"].pk,
    }


def _dispute_rows(org, other_org, actors, ids) -> dict[str, int]:
    """The partner's dispute on the Kestrel deal (with a comment and an internal note), the
    other partner's on Osprey, and one of Globex."""
    kestrel, osprey = ids["opportunity"], ids["other_opportunity"]
    mine = dispute_open(
        membership=actors["partner"],
        opportunity_id=kestrel,
        claim="Matrix claim: our split is short",
        proposed_split_percent=Decimal("15"),
    )
    dispute_comment(
        membership=actors["manager"], dispute_id=mine.pk, body="Sandpiper: internal", internal=True
    )
    dispute_comment(membership=actors["partner"], dispute_id=mine.pk, body="Our proof is attached")
    theirs = dispute_open(
        membership=actors["other_partner"],
        opportunity_id=osprey,
        claim="Matrix claim: theirs",
        proposed_split_percent=Decimal("20"),
    )
    globex = PartnerDispute.objects.create(
        organization=other_org,
        partner=PartnerFactory(organization=other_org, name="Ibis Claims"),
        opportunity=OpportunityFactory(
            organization=other_org,
            name="Ibis disputed deal",
            account=AccountFactory(organization=other_org, name="Ibis disputed Ltd"),
        ),
        role="referral",
        side="internal",
        opened_by=actors["outsider"].user,
        claim="Ibis claim",
        proposed_split_percent=Decimal("10"),
        due_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )
    return {
        "dispute": mine.pk,
        "other_dispute": theirs.pk,
        "outsider_dispute": globex.pk,
        "outsider_deal": globex.opportunity_id,
        "partnerdispute": mine.pk,
    }


def _program_rows(org, partner, other_partner) -> dict[str, int | str]:
    """Tiers, a certification, a checklist step, computed standing (health of every partner of
    Acme), a pending downgrade of the partner and an open alert about it."""
    from partners.models import (
        AlertKind,
        OnboardingStep,
        PartnerAlert,
        PartnerCertification,
        PartnerTierChange,
        ProgramTier,
        TierChangeStatus,
    )

    ProgramTier.objects.create(organization=org, tier=Partner.Tier.REGISTERED, rank=1)
    silver = ProgramTier.objects.create(
        organization=org, tier=Partner.Tier.SILVER, rank=2, min_attributed_revenue=Decimal("1000.00")
    )
    certification = PartnerCertification.objects.create(
        organization=org, partner=partner, name="Matrix certified", issued_on=dt.date(2026, 1, 1)
    )
    step = OnboardingStep.objects.create(organization=org, name="Contract signed", order=1)
    program_recompute(organization=org)
    change = PartnerTierChange.objects.create(
        organization=org,
        partner=partner,
        from_tier=Partner.Tier.SILVER,
        to_tier=Partner.Tier.REGISTERED,
        is_downgrade=True,
        status=TierChangeStatus.PENDING,
        reason_text="Matrix downgrade.",
    )
    alert = PartnerAlert.objects.create(
        organization=org, partner=partner, kind=AlertKind.INACTIVE, key="matrix", message="Matrix alert."
    )
    return {
        "programtier": silver.pk,
        "partnercertification": certification.pk,
        "onboardingstep": step.pk,
        "partnertierchange": change.pk,
        "tier_change": change.pk,
        "alert": alert.pk,
        "program_other_partner": other_partner.pk,
    }


def world_build() -> World:
    """Create both organizations, the actors and one row of every kind object routes need."""
    org = OrganizationFactory(name="Acme", slug="acme")
    other_org = OrganizationFactory(name="Globex", slug="globex")
    partner = PartnerFactory(organization=org, name="Northwind Partners")
    other_partner = PartnerFactory(organization=org, name="Wren Partners")
    actors = _actors(org, other_org, partner, other_partner)
    ids = _core_rows(org, actors, partner)
    ids |= _attribution_rows(org, actors, ids, other_partner)
    ids |= _commission_rows(org, actors, ids)
    ids |= _distribution_rows(org, actors)
    ids |= _marketing_rows(org, actors, ids)
    ids |= _forecasting_rows(org, actors, ids)
    ids |= _partner_rows(org, other_org, actors, partner)
    ids |= _approval_rows(org, actors, ids, partner)
    ids |= _dispute_rows(org, other_org, actors, ids)
    ids |= _program_rows(org, partner, other_partner)
    ids |= _global_rows(actors)
    outsider_ids = _outsider_rows(other_org, actors["outsider"])
    outsider_ids |= _outsider_forecasting_rows(other_org, actors["outsider"], outsider_ids)
    return World(actors=actors, ids=ids, outsider_ids=outsider_ids)


# -- forecasting: a model, a current score per deal, two weekly snapshots, the reps' calls ------

_PCT = [float(v * 100) for v in range(21)]


def _model(org) -> ModelVersion:
    """The active model, and the pointer that makes its scores of 2026-02-02 current."""
    model = ModelVersion.objects.create(
        organization=org,
        number=1,
        kind="stage_segment_beta",
        label="Stage × segment win rate (small data: 40 closed deals)",
        status="active",
        window_start=dt.date(2025, 1, 1),
        window_end=dt.date(2026, 1, 31),
        metrics={"auc": 0.7, "brier": 0.2, "log_loss": 0.6, "ece": 0.05, "base_rate": 0.4, "examples": 40},
        counts={"closed_deals": 40},
        artifact="{}",
    )
    CurrentScores.objects.create(organization=org, as_of=dt.date(2026, 2, 2), model_version=model)
    return model


def _score(org, model, deal_id: int, name: str) -> DealScore:
    return DealScore.objects.create(
        organization=org,
        opportunity_id=deal_id,
        model_version=model,
        as_of=dt.date(2026, 2, 2),
        probability=Decimal("0.4200"),
        risk=55,
        risk_band="medium",
        days_p10=10,
        days_p50=30,
        days_p90=80,
        amount=Decimal("5000.00"),
        stage="prospecting",
        drivers=[{"feature": "stage", "points": -3.0, "text": "In Prospecting: −3 pts"}],
        actions=["Schedule a discovery call to confirm need, budget and timing."],
        narrative=f"{name} deal: 42% chance to win.",
    )


def _forecasting_rows(org, actors, ids) -> dict[str, int | str]:
    model = _model(org)
    deals = {
        "Kestrel": ids["opportunity"],
        "Osprey": ids["other_opportunity"],
        "Plover": ids["drifter_opportunity"],
    }
    owners = dict(Opportunity.objects.filter(pk__in=deals.values()).values_list("pk", "owner_id"))
    scores = {word: _score(org, model, pk, word) for word, pk in deals.items()}
    summary = {"mean": 1000.0, "p10": 500.0, "p50": 1000.0, "p90": 1500.0, "percentiles": _PCT}
    period = {
        "label": "FY2026 Q1",
        "grain": "quarter",
        "start": "2026-01-01",
        "end": "2026-04-01",
        "won_to_date": 0.0,
        "open_pipeline_mean": 900.0,
        "runrate_mean": 100.0,
        **summary,
    }
    for as_of, amount in ((dt.date(2026, 1, 26), 4000.0), (dt.date(2026, 2, 2), 5000.0)):
        ForecastSnapshot.objects.create(
            organization=org,
            as_of=as_of,
            kind="weekly",
            model_version=model,
            model_label=model.label,
            sims=1000,
            periods=[period],
            velocity={
                "open_deals": 3,
                "win_rate": 0.4,
                "average_won_amount": 5000.0,
                "cycle_days": 60.0,
                "per_day": 100.0,
                "per_quarter": 9100.0,
            },
            baseline={
                "method": "Holt linear exponential smoothing",
                "alpha": 0.5,
                "beta": 0.1,
                "history": [],
                "forecast": [1000.0],
                "fan": [{"label": "Feb 2026", "p10": 1.0, "p50": 2.0, "p90": 3.0}],
                "by_owner": {str(u): summary for u in owners.values()},
                "by_team": {str(actors[m].user_id): summary for m in ("manager", "other_manager")},
                "quarter": "FY2026 Q1",
            },
            pipeline=[
                {
                    "id": pk,
                    "name": f"{word} deal",
                    "owner": owners[pk],
                    "amount": amount,
                    "stage": "prospecting",
                    "expected_close": "2026-06-30",
                    "probability": 0.42,
                }
                for word, pk in deals.items()
            ],
        )
    calls = {
        word: ForecastCall.objects.create(
            organization=org,
            owner=actors[actor].user,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 4, 1),
            commit=Decimal("1000"),
            best_case=Decimal("2000"),
            pipeline=Decimal("3000"),
            note=f"{word} call",
        )
        for word, actor in (("Kestrel", "rep"), ("Osprey", "other_rep"))
    }
    return {
        "modelversion": model.pk,
        "dealscore": scores["Kestrel"].pk,
        "other_dealscore": scores["Osprey"].pk,
        "forecastcall": calls["Kestrel"].pk,
        "other_forecastcall": calls["Osprey"].pk,
        "forecastsnapshot": ForecastSnapshot.objects.filter(organization=org).first().pk,
    }


def _outsider_forecasting_rows(other_org, outsider, outsider_ids) -> dict[str, int]:
    model = _model(other_org)
    score = _score(other_org, model, outsider_ids["opportunity"], "Ibis")
    return {"modelversion": model.pk, "dealscore": score.pk}
