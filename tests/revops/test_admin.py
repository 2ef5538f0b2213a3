"""The admin: who gets in, which rows they see, and writes that go through the services."""

import pytest
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
)
from revops.services.audit import audit_record
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
    assert AuditEvent.objects.count() == 0


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
    assert errors == ["Not saved: Another account in this organization has this external id."]


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
