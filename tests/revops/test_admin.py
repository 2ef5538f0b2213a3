"""The admin: who gets in, which rows they see, and writes that go through the services."""

import datetime as dt
import io

import pytest
import tablib
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from revops.models import (
    Account,
    ApiToken,
    AuditEvent,
    FiscalPeriod,
    JobRun,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
    User,
)
from revops.resources import AccountResource
from revops.services.audit import audit_record
from revops.services.periods import PERIOD_EARLIER_OPEN
from revops.services.tokens import api_token_create
from tests.revops.factories import (
    AccountFactory,
    FiscalPeriodFactory,
    JobRunFactory,
    OpportunityFactory,
    PartnerFactory,
    ProductFactory,
    ProductLineFactory,
    StageChangeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _changelist_url(model) -> str:
    return reverse(f"admin:revops_{model._meta.model_name}_changelist")


def _rows_in(org, model, admin_membership):
    """Create one row of `model` in `org`; return the rows of that model the org owns."""
    if model is Account:
        AccountFactory(organization=org)
    elif model is Partner:
        PartnerFactory(organization=org)
    elif model is ProductLine:
        ProductLineFactory(organization=org)
    elif model is Product:
        ProductFactory(organization=org)
    elif model is Opportunity:
        OpportunityFactory(organization=org)
    elif model is OpportunityStageChange:
        StageChangeFactory(opportunity=OpportunityFactory(organization=org))
    elif model is FiscalPeriod:
        FiscalPeriodFactory(organization=org)
    elif model is JobRun:
        JobRunFactory(organization=org)
    elif model is AuditEvent:
        audit_record(organization=org, actor=None, action="test.event", object_type="x", object_id="1")
    elif model is ApiToken:
        member = Membership.objects.filter(organization=org).first()
        api_token_create(organization=org, user=member.user, name="sync", acting_user=member.user)
    return set(model.objects.filter(organization=org).values_list("pk", flat=True))


SCOPED_MODELS = [
    Account,
    Partner,
    ProductLine,
    Product,
    Opportunity,
    OpportunityStageChange,
    FiscalPeriod,
    JobRun,
    AuditEvent,
    ApiToken,
    Membership,
]


@pytest.mark.parametrize("model", SCOPED_MODELS, ids=lambda m: m._meta.model_name)
def test_org_admin_changelist_shows_only_own_organization_rows(model, admin, other_org_admin, client_for):
    # given
    own = _rows_in(admin.organization, model, admin)
    other = _rows_in(other_org_admin.organization, model, other_org_admin)
    assert own and other and not own & other
    # when
    response = client_for(admin).get(_changelist_url(model))
    # then
    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == own


def test_superuser_changelist_shows_every_organization(org, other_org, client):
    # given
    ours = AccountFactory(organization=org, name="Ours")
    theirs = AccountFactory(organization=other_org, name="Theirs")
    root = UserFactory(email="root@revops.test", is_superuser=True, is_staff=True)
    client.force_login(root)
    # when
    response = client.get(_changelist_url(Account))
    # then
    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {ours.pk, theirs.pk}


def test_org_admin_without_staff_flag_reaches_admin_index(admin, client_for):
    # given
    assert admin.user.is_staff is False and admin.user.is_superuser is False
    # when
    response = client_for(admin).get(reverse("admin:index"))
    # then
    assert response.status_code == 200
    models_listed = {m["object_name"] for app in response.context["app_list"] for m in app["models"]}
    assert {"Account", "FiscalPeriod", "AuditEvent", "User", "Membership"} <= models_listed
    assert "Organization" not in models_listed
    assert "Group" not in models_listed


def test_account_autocomplete_returns_only_own_organization_rows(admin, other_org, client_for):
    # given
    own = AccountFactory(organization=admin.organization, name="Acme Widgets")
    AccountFactory(organization=other_org, name="Acme Rival")
    url = reverse("admin:autocomplete")
    params = {"app_label": "revops", "model_name": "opportunity", "field_name": "account", "term": "Acme"}
    # when
    response = client_for(admin).get(url, params)
    # then
    assert response.status_code == 200
    assert response.json()["results"] == [{"id": str(own.pk), "text": "Acme Widgets"}]


@pytest.mark.parametrize("actor", ["manager", "finance_admin", "rep", "partner_user"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/revops/account/"])
def test_non_admin_roles_get_404_in_admin(actor, path, request, client_for):
    # given
    membership = request.getfixturevalue(actor)
    # when
    response = client_for(membership).get(path)
    # then
    assert response.status_code == 404


def test_anonymous_is_sent_to_the_sign_in_page(client):
    # when
    response = client.get("/admin/revops/account/", follow=True)
    # then
    login = reverse("account_login")
    assert response.redirect_chain[-1] == (f"{login}?next=%2Fadmin%2Frevops%2Faccount%2F", 302)
    assert response.status_code == 200


def test_org_admin_cannot_open_another_organizations_row(admin, other_org, client_for):
    # given
    theirs = AccountFactory(organization=other_org, name="Theirs")
    url = reverse("admin:revops_account_change", args=[theirs.pk])
    # when
    response = client_for(admin).post(url, {"name": "Hijacked"})
    # then
    assert response.status_code == 302  # the admin answers "does not exist" and goes home
    theirs.refresh_from_db()
    assert theirs.name == "Theirs"


def test_org_admin_creates_account_in_own_organization_with_audit(admin, other_org, client_for):
    # given
    url = reverse("admin:revops_account_add")
    data = {"name": "New Co", "domain": "new.example", "external_id": "N-1", "organization": other_org.pk}
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    account = Account.objects.get(name="New Co")
    assert account.organization_id == admin.organization_id
    event = AuditEvent.objects.get(action="account.create")
    assert (event.organization_id, event.actor_id, event.object_id) == (
        admin.organization_id,
        admin.user_id,
        str(account.pk),
    )


def test_duplicate_external_id_is_reported_and_nothing_saved(admin, client_for):
    # given
    AccountFactory(organization=admin.organization, name="First", external_id="DUP")
    url = reverse("admin:revops_account_add")
    # when
    response = client_for(admin).post(url, {"name": "Second", "external_id": "DUP"}, follow=True)
    # then
    assert list(Account.objects.values_list("name", flat=True)) == ["First"]
    assert AuditEvent.objects.count() == 0
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1 and errors[0].startswith("Not saved:")


def test_opportunity_change_goes_through_service_and_records_stage_history(admin, client_for):
    # given
    opportunity = OpportunityFactory(organization=admin.organization, stage="prospecting")
    url = reverse("admin:revops_opportunity_change", args=[opportunity.pk])
    data = {
        "account": opportunity.account_id,
        "name": opportunity.name,
        "stage": "proposal",
        "amount": "12000.00",
        "currency": "USD",
        "created_date": "2026-01-15",
        "expected_close_date": "2026-06-30",
        "lead_source": "Web",
        "stage_changes-TOTAL_FORMS": "0",
        "stage_changes-INITIAL_FORMS": "0",
    }
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.stage, str(opportunity.amount)) == ("proposal", "12000.00")
    change = OpportunityStageChange.objects.get(opportunity=opportunity)
    assert (change.from_stage, change.to_stage, change.changed_by_id) == (
        "prospecting",
        "proposal",
        admin.user_id,
    )
    event = AuditEvent.objects.get(action="opportunity.update")
    assert event.before == {"stage": "prospecting", "amount": "10000.00"}
    assert event.after == {"stage": "proposal", "amount": "12000.00"}


# -- fiscal periods -----------------------------------------------------------------------------


@pytest.fixture
def periods(admin):
    jan = FiscalPeriodFactory(organization=admin.organization)
    feb = FiscalPeriodFactory(
        organization=admin.organization, start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 28)
    )
    return jan, feb


def _action(client, action, pks, **extra):
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "index": "0", **extra}
    return client.post(_changelist_url(FiscalPeriod), data, follow=True)


def _errors(response) -> list[str]:
    return [m.message for m in response.context["messages"] if m.level_tag == "error"]


def test_close_action_closes_periods_in_order_with_audit(admin, periods, client_for):
    # given
    jan, feb = periods
    # when
    response = _action(client_for(admin), "close_periods", [feb.pk, jan.pk])
    # then
    assert _errors(response) == []
    jan.refresh_from_db()
    feb.refresh_from_db()
    assert (jan.status, feb.status) == ("closed", "closed")
    assert (jan.closed_by_id, feb.closed_by_id) == (admin.user_id, admin.user_id)
    events = AuditEvent.objects.filter(action="period.close").order_by("id")
    assert [(e.object_id, e.before, e.after, e.actor_id) for e in events] == [
        (
            str(jan.pk),
            {"status": "open"},
            {"status": "closed", "closed_at": jan.closed_at.isoformat()},
            admin.user_id,
        ),
        (
            str(feb.pk),
            {"status": "open"},
            {"status": "closed", "closed_at": feb.closed_at.isoformat()},
            admin.user_id,
        ),
    ]


def test_close_action_refuses_out_of_order_and_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    # when
    response = _action(client_for(admin), "close_periods", [feb.pk])
    # then
    assert _errors(response) == [PERIOD_EARLIER_OPEN.format(earlier=jan)]
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == ("open", None, None)
    assert AuditEvent.objects.count() == 0


def test_reopen_action_asks_for_a_reason_then_reopens_with_audit(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    feb.refresh_from_db()
    closed_at = feb.closed_at
    # when
    confirm = _action(client, "reopen_periods", [feb.pk])
    response = _action(client, "reopen_periods", [feb.pk], apply="1", reason="Late invoice from Globex")
    # then
    assert confirm.templates[0].name == "admin/revops/fiscalperiod/reopen_confirmation.html"
    assert _errors(response) == []
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == ("open", None, None)
    event = AuditEvent.objects.get(action="period.reopen")
    assert event.object_id == str(feb.pk)
    assert event.before == {
        "status": "closed",
        "closed_at": closed_at.isoformat(),
        "closed_by": admin.user_id,
    }
    assert event.after == {"status": "open"}
    assert event.reason == "Late invoice from Globex"


def test_reopen_without_reason_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    feb.refresh_from_db()
    before = (feb.status, feb.closed_at, feb.closed_by_id)
    audit_rows = AuditEvent.objects.count()
    # when
    response = _action(client, "reopen_periods", [feb.pk], apply="1", reason="   ")
    # then
    assert response.templates[0].name == "admin/revops/fiscalperiod/reopen_confirmation.html"
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    feb.refresh_from_db()
    assert (feb.status, feb.closed_at, feb.closed_by_id) == before
    assert AuditEvent.objects.count() == audit_rows


def test_reopen_out_of_order_is_refused_and_changes_nothing(admin, periods, client_for):
    # given
    jan, feb = periods
    client = client_for(admin)
    _action(client, "close_periods", [jan.pk, feb.pk])
    audit_rows = AuditEvent.objects.count()
    # when
    response = _action(client, "reopen_periods", [jan.pk], apply="1", reason="Mistake")
    # then
    assert _errors(response) == [f"Reopen {feb} first: periods reopen in reverse order."]
    jan.refresh_from_db()
    assert jan.status == "closed"
    assert AuditEvent.objects.count() == audit_rows


def test_period_status_is_readonly_in_the_change_form(admin, periods, client_for):
    # given
    jan, _ = periods
    url = reverse("admin:revops_fiscalperiod_change", args=[jan.pk])
    data = {
        "start_date": "2026-01-01",
        "end_date": "2026-01-31",
        "fiscal_year": "2026",
        "fiscal_quarter": "1",
    }
    # when
    response = client_for(admin).post(url, {**data, "status": "closed", "closed_at": "2026-02-01 00:00"})
    # then
    assert response.status_code == 302
    jan.refresh_from_db()
    assert (jan.status, jan.closed_at) == ("open", None)


# -- read-only admins -----------------------------------------------------------------------------


def test_audit_event_admin_has_no_add_change_or_delete(admin, client_for):
    # given
    event = audit_record(
        organization=admin.organization, actor=None, action="x.y", object_type="t", object_id="1"
    )
    model_admin = admin_site_admin(AuditEvent)
    request = RequestFactory().get("/admin/")
    request.user, request.membership, request.organization = admin.user, admin, admin.organization
    client = client_for(admin)
    # when
    add = client.get(reverse("admin:revops_auditevent_add"))
    change = client.post(reverse("admin:revops_auditevent_change", args=[event.pk]), {"action": "edited"})
    delete = client.post(reverse("admin:revops_auditevent_delete", args=[event.pk]), {"post": "yes"})
    # then
    perms = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request, event),
        model_admin.has_delete_permission(request, event),
    )
    assert perms == (False, False, False)
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["x.y"]


def test_superuser_cannot_add_or_delete_audit_events(org):
    # given
    root = UserFactory(email="root@revops.test", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user, request.membership, request.organization = root, None, None
    model_admin = admin_site_admin(AuditEvent)
    # then
    assert model_admin.has_view_permission(request) is True
    assert (model_admin.has_add_permission(request), model_admin.has_delete_permission(request)) == (
        False,
        False,
    )


def admin_site_admin(model):
    return admin.site._registry[model]


def test_revoke_action_revokes_token_with_audit(admin, client_for):
    # given
    token, _ = api_token_create(
        organization=admin.organization, user=admin.user, name="sync", acting_user=admin.user
    )
    url = _changelist_url(ApiToken)
    data = {"action": "revoke_tokens", "_selected_action": [str(token.pk)], "index": "0"}
    # when
    client_for(admin).post(url, data)
    # then
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.after == {"revoked_at": token.revoked_at.isoformat()}


# -- users ----------------------------------------------------------------------------------------


def test_org_admin_invites_user_into_own_organization(admin, client_for):
    # given
    url = reverse("admin:revops_user_add")
    data = {
        "email": "New.Person@Acme.test",
        "role": "finance",
        "password1": "Sturdy-pass-2026",
        "password2": "Sturdy-pass-2026",
    }
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    user = User.objects.get(email="new.person@acme.test")
    assert (user.is_staff, user.is_superuser, user.check_password("Sturdy-pass-2026")) == (False, False, True)
    membership = Membership.objects.get(user=user)
    assert (membership.organization_id, membership.role) == (admin.organization_id, "finance")


def test_org_admin_user_list_hides_other_organizations_and_superusers(
    admin, rep, other_org_admin, client_for
):
    # given
    UserFactory(email="root@revops.test", is_superuser=True)
    # when
    response = client_for(admin).get(_changelist_url(User))
    # then
    assert {u.email for u in response.context["cl"].result_list} == {
        "admin@acme.test",
        "rep1@acme.test",
        "manager@acme.test",
    }


def test_org_admin_cannot_make_anyone_superuser(admin, rep, client_for):
    # given
    url = reverse("admin:revops_user_change", args=[rep.user_id])
    data = {
        "email": rep.user.email,
        "first_name": "R",
        "last_name": "One",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
    }
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    rep.user.refresh_from_db()
    assert (rep.user.first_name, rep.user.is_superuser, rep.user.is_staff) == ("R", False, False)


# -- import ---------------------------------------------------------------------------------------


def _accounts_csv(rows) -> bytes:
    data = tablib.Dataset(headers=["organization", "external_id", "name", "domain", "segment", "region"])
    for row in rows:
        data.append(row)
    return data.export("csv").encode()


def test_account_resource_import_uses_given_organization_not_the_file(org, other_org):
    # given
    theirs = AccountFactory(organization=other_org, name="Globex Corp", external_id="EXT-1")
    mine = AccountFactory(organization=org, name="Acme old name", external_id="EXT-2")
    dataset = tablib.Dataset().load(
        _accounts_csv(
            [
                (other_org.pk, "EXT-1", "Imported one", "one.example", "smb", "emea"),
                (other_org.pk, "EXT-2", "Acme new name", "two.example", "enterprise", "na"),
            ]
        ).decode(),
        format="csv",
    )
    # when
    result = AccountResource(organization=org).import_data(dataset, dry_run=False)
    # then
    assert not result.has_errors() and not result.has_validation_errors()
    theirs.refresh_from_db()
    assert (theirs.organization_id, theirs.name) == (other_org.pk, "Globex Corp")
    created = Account.objects.get(organization=org, external_id="EXT-1")
    assert (created.name, created.segment, created.region) == ("Imported one", "smb", "emea")
    mine.refresh_from_db()
    assert (mine.name, mine.segment) == ("Acme new name", "enterprise")
    assert Account.objects.filter(organization=other_org).count() == 1


def test_admin_import_of_accounts_lands_in_the_admins_organization(admin, other_org, client_for):
    # given
    theirs = AccountFactory(organization=other_org, name="Globex Corp", external_id="EXT-1")
    client = client_for(admin)
    upload = io.BytesIO(_accounts_csv([(other_org.pk, "EXT-1", "Imported one", "", "", "")]))
    upload.name = "accounts.csv"
    # when
    preview = client.post(reverse("admin:revops_account_import"), {"import_file": upload, "format": "0"})
    confirm = preview.context["confirm_form"]
    response = client.post(reverse("admin:revops_account_process_import"), confirm.initial)
    # then
    assert preview.status_code == 200
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert (theirs.organization_id, theirs.name) == (other_org.pk, "Globex Corp")
    created = Account.objects.get(external_id="EXT-1", name="Imported one")
    assert created.organization_id == admin.organization_id
