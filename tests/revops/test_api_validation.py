"""Core API input validation: bad input is a 400 with field errors and nothing is written."""

import pytest
from rest_framework.test import APIClient

from revops.models import (
    Account,
    AuditEvent,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
)
from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    ProductLineFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin):
    client = APIClient()
    client.force_login(admin.user)
    return client


@pytest.fixture
def account(org):
    return AccountFactory(organization=org)


def _opportunity_payload(base_account, **overrides) -> dict:
    return {
        "name": "New deal",
        "account": base_account.pk,
        "amount": "1000.00",
        "created_date": "2026-03-01",
        **overrides,
    }


def _nothing_written() -> tuple[int, int, int]:
    return Opportunity.objects.count(), OpportunityStageChange.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize(
    ("_case", "overrides", "errors"),
    [
        ("amount_not_a_number", {"amount": "abc"}, {"amount": ["A valid number is required."]}),
        (
            "negative_amount",
            {"amount": "-5.00"},
            {"amount": ["Ensure this value is greater than or equal to 0."]},
        ),
        (
            "too_many_decimals",
            {"amount": "1.234"},
            {"amount": ["Ensure that there are no more than 2 decimal places."]},
        ),
        (
            "date_not_a_date",
            {"created_date": "not-a-date"},
            {"created_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]},
        ),
        (
            "unknown_account",
            {"account": 999999},
            {"account": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            "account_wrong_type",
            {"account": "acme"},
            {"account": ["Incorrect type. Expected pk value, received str."]},
        ),
        ("unknown_stage", {"stage": "won"}, {"stage": ['"won" is not a valid choice.']}),
        (
            "close_before_created",
            {"stage": "closed_lost", "close_date": "2026-01-01"},
            {"close_date": ["The close date is before the created date."]},
        ),
    ],
)
def test_bad_opportunity_input_is_400_and_nothing_written(_case, overrides, errors, admin_api, account):
    # given
    before = _nothing_written()
    # when
    response = admin_api.post(
        "/api/v1/opportunities/", _opportunity_payload(account, **overrides), format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == errors
    assert _nothing_written() == before == (0, 0, 0)


def test_missing_required_fields_are_reported(admin_api):
    # when
    response = admin_api.post("/api/v1/opportunities/", {}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "name": ["This field is required."],
        "account": ["This field is required."],
        "amount": ["This field is required."],
        "created_date": ["This field is required."],
    }
    assert _nothing_written() == (0, 0, 0)


def test_other_organizations_account_is_a_field_error(admin_api, account, other_org):
    # given
    foreign = AccountFactory(organization=other_org)
    # when
    response = admin_api.post(
        "/api/v1/opportunities/", _opportunity_payload(account, account=foreign.pk), format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"account": [f'Invalid pk "{foreign.pk}" - object does not exist.']}
    assert _nothing_written() == (0, 0, 0)


def test_other_organizations_product_line_is_a_field_error(admin_api, account, other_org):
    # given
    foreign = ProductLineFactory(organization=other_org)
    # when
    opportunity = admin_api.post(
        "/api/v1/opportunities/", _opportunity_payload(account, product_line=foreign.pk), format="json"
    )
    product = admin_api.post(
        "/api/v1/products/", {"product_line": foreign.pk, "name": "X", "sku": "X-1"}, format="json"
    )
    # then
    expected = [f'Invalid pk "{foreign.pk}" - object does not exist.']
    assert (opportunity.status_code, product.status_code) == (400, 400)
    assert opportunity.json() == {"product_line": expected}
    assert product.json() == {"product_line": expected}
    assert (Opportunity.objects.count(), Product.objects.count()) == (0, 0)
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("_case", ["other_org_member", "no_membership", "partner_user"])
def test_owner_must_be_an_internal_member_of_the_organization(
    _case, admin_api, account, other_org, partner_user
):
    # given
    if _case == "other_org_member":
        owner = MembershipFactory(organization=other_org, role="rep").user
    elif _case == "no_membership":
        owner = UserFactory()
    else:
        owner = partner_user.user
    # when
    response = admin_api.post(
        "/api/v1/opportunities/", _opportunity_payload(account, owner=owner.pk), format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"owner": [f'Invalid pk "{owner.pk}" - object does not exist.']}
    assert _nothing_written() == (0, 0, 0)


def test_bad_update_changes_nothing(admin_api, rep_opportunity):
    # given
    url = f"/api/v1/opportunities/{rep_opportunity.pk}/"
    # when
    response = admin_api.patch(url, {"amount": "-1", "name": "Renamed"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"amount": ["Ensure this value is greater than or equal to 0."]}
    rep_opportunity.refresh_from_db()
    assert (rep_opportunity.name, str(rep_opportunity.amount)) == ("Rep deal", "10000.00")
    assert AuditEvent.objects.count() == 0


def test_duplicate_product_line_code_is_a_400(admin_api, org):
    # given
    ProductLineFactory(organization=org, code="analytics")
    # when
    response = admin_api.post("/api/v1/product-lines/", {"name": "Again", "code": "analytics"}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Product line with this Organization and Code already exists."]
    }
    assert ProductLine.objects.count() == 1
    assert AuditEvent.objects.count() == 0


def test_same_product_line_code_in_another_organization_is_fine(admin_api, other_org):
    # given
    ProductLineFactory(organization=other_org, code="analytics")
    # when
    response = admin_api.post(
        "/api/v1/product-lines/", {"name": "Analytics", "code": "analytics"}, format="json"
    )
    # then
    assert response.status_code == 201
    assert ProductLine.objects.count() == 2


def test_negative_list_price_is_a_400(admin_api, org):
    # given
    line = ProductLineFactory(organization=org)
    # when
    response = admin_api.post(
        "/api/v1/products/",
        {"product_line": line.pk, "name": "X", "sku": "X-1", "list_price": "-1"},
        format="json",
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"list_price": ["Ensure this value is greater than or equal to 0."]}
    assert Product.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_unknown_partner_type_is_a_400(admin_api):
    # when
    response = admin_api.post("/api/v1/partners/", {"name": "P", "types": ["reseller"]}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"types": {"0": ['"reseller" is not a valid choice.']}}
    assert Partner.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_external_id_is_a_400(admin_api, org):
    # given
    AccountFactory(organization=org, external_id="SF-1")
    # when
    response = admin_api.post("/api/v1/accounts/", {"name": "Dup", "external_id": "SF-1"}, format="json")
    # then
    assert response.status_code == 400
    assert Account.objects.count() == 1
    assert AuditEvent.objects.count() == 0
    assert response.json() == {
        "non_field_errors": ["Another account in this organization has this external id."]
    }
