"""Core API: CRUD per resource (as an org admin), stage history, delete protection."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from revops.models import (
    Account,
    AuditEvent,
    FiscalPeriod,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
)
from tests.revops.factories import (
    AccountFactory,
    FiscalPeriodFactory,
    OpportunityFactory,
    PartnerFactory,
    ProductFactory,
    ProductLineFactory,
    StageChangeFactory,
)

pytestmark = pytest.mark.django_db

TIMESTAMPS = ("created_at", "updated_at")


@pytest.fixture
def admin_api(admin):
    client = APIClient()
    client.force_login(admin.user)
    return client


def _without_timestamps(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in TIMESTAMPS}


def test_account_crud(admin_api, admin, org):
    # when
    created = admin_api.post(
        "/api/v1/accounts/",
        {"name": "Initech", "domain": "initech.example", "segment": "smb", "region": "emea"},
        format="json",
    )
    # then
    assert created.status_code == 201
    account = Account.objects.get()
    assert _without_timestamps(created.json()) == {
        "id": account.pk,
        "name": "Initech",
        "domain": "initech.example",
        "industry": "",
        "segment": "smb",
        "region": "emea",
        "owner": None,
        "external_id": "",
    }
    assert account.organization == org
    # when
    updated = admin_api.patch(f"/api/v1/accounts/{account.pk}/", {"owner": admin.user.pk}, format="json")
    fetched = admin_api.get(f"/api/v1/accounts/{account.pk}/")
    listed = admin_api.get("/api/v1/accounts/")
    # then
    assert updated.status_code == 200
    assert fetched.json()["owner"] == admin.user.pk
    assert [row["id"] for row in listed.json()["results"]] == [account.pk]
    # when
    deleted = admin_api.delete(f"/api/v1/accounts/{account.pk}/")
    # then
    assert deleted.status_code == 204
    assert Account.objects.count() == 0
    assert list(AuditEvent.objects.values_list("action", flat=True).order_by("id")) == [
        "account.create",
        "account.update",
        "account.delete",
    ]


def test_partner_crud(admin_api, org):
    # when
    created = admin_api.post(
        "/api/v1/partners/",
        {"name": "Umbrella SI", "types": ["si", "referral"], "tier": "gold"},
        format="json",
    )
    # then
    assert created.status_code == 201
    partner = Partner.objects.get(name="Umbrella SI")
    assert _without_timestamps(created.json()) == {
        "id": partner.pk,
        "name": "Umbrella SI",
        "domain": "",
        "types": ["si", "referral"],
        "tier": "gold",
        "status": "active",
        "lifecycle_stage": "prospect",
        "external_id": "",
    }
    # when
    updated = admin_api.put(
        f"/api/v1/partners/{partner.pk}/",
        {"name": "Umbrella", "types": ["isv"], "tier": "platinum", "status": "inactive"},
        format="json",
    )
    # then
    assert updated.status_code == 200
    partner.refresh_from_db()
    assert (partner.name, partner.types, partner.tier, partner.status) == (
        "Umbrella",
        ["isv"],
        "platinum",
        "inactive",
    )
    assert admin_api.get(f"/api/v1/partners/{partner.pk}/").json()["name"] == "Umbrella"
    # when
    deleted = admin_api.delete(f"/api/v1/partners/{partner.pk}/")
    # then
    assert deleted.status_code == 204
    assert not Partner.objects.filter(pk=partner.pk).exists()


def test_product_line_and_product_crud(admin_api, org):
    # when
    line_response = admin_api.post("/api/v1/product-lines/", {"name": "Analytics", "code": "analytics"})
    line = ProductLine.objects.get()
    product_response = admin_api.post(
        "/api/v1/products/",
        {"product_line": line.pk, "name": "Insights", "sku": "INS-1", "list_price": "1200.50"},
        format="json",
    )
    # then
    assert line_response.status_code == 201
    assert _without_timestamps(line_response.json()) == {
        "id": line.pk,
        "name": "Analytics",
        "code": "analytics",
    }
    assert product_response.status_code == 201
    product = Product.objects.get()
    assert _without_timestamps(product_response.json()) == {
        "id": product.pk,
        "product_line": line.pk,
        "name": "Insights",
        "sku": "INS-1",
        "list_price": "1200.50",
        "is_active": True,
    }
    assert product.list_price == Decimal("1200.50")
    # when
    patched = admin_api.patch(f"/api/v1/products/{product.pk}/", {"is_active": False}, format="json")
    renamed = admin_api.patch(f"/api/v1/product-lines/{line.pk}/", {"name": "BI"}, format="json")
    # then
    assert patched.json()["is_active"] is False
    assert renamed.json()["name"] == "BI"
    assert admin_api.get("/api/v1/products/").json()["count"] == 1
    # when
    product_deleted = admin_api.delete(f"/api/v1/products/{product.pk}/")
    line_deleted = admin_api.delete(f"/api/v1/product-lines/{line.pk}/")
    # then
    assert (product_deleted.status_code, line_deleted.status_code) == (204, 204)
    assert (Product.objects.count(), ProductLine.objects.count()) == (0, 0)


def test_opportunity_crud_records_stage_history(admin_api, admin, org):
    # given
    account = AccountFactory(organization=org)
    line = ProductLineFactory(organization=org)
    # when
    created = admin_api.post(
        "/api/v1/opportunities/",
        {
            "name": "Initech renewal",
            "account": account.pk,
            "amount": "25000.00",
            "created_date": "2026-02-01",
            "product_line": line.pk,
        },
        format="json",
    )
    # then
    assert created.status_code == 201
    opportunity = Opportunity.objects.get()
    assert _without_timestamps(created.json()) == {
        "id": opportunity.pk,
        "name": "Initech renewal",
        "account": account.pk,
        "owner": admin.user.pk,
        "stage": "prospecting",
        "amount": "25000.00",
        "currency": "USD",
        "created_date": "2026-02-01",
        "expected_close_date": None,
        "close_date": None,
        "product_line": line.pk,
        "lead_source": "",
        "external_id": "",
    }
    # when
    won = admin_api.patch(
        f"/api/v1/opportunities/{opportunity.pk}/",
        {"stage": "closed_won", "close_date": "2026-03-10", "amount": "27000.00"},
        format="json",
    )
    # then
    assert won.status_code == 200
    assert (won.json()["stage"], won.json()["amount"]) == ("closed_won", "27000.00")
    history = list(
        OpportunityStageChange.objects.filter(opportunity=opportunity).values_list(
            "from_stage", "to_stage", "amount", "changed_by"
        )
    )
    assert history == [
        ("", "prospecting", Decimal("25000.00"), admin.user.pk),
        ("prospecting", "closed_won", Decimal("27000.00"), admin.user.pk),
    ]
    listed = admin_api.get(f"/api/v1/stage-changes/?opportunity={opportunity.pk}")
    assert [(r["from_stage"], r["to_stage"]) for r in listed.json()["results"]] == [
        ("", "prospecting"),
        ("prospecting", "closed_won"),
    ]
    # when
    deleted = admin_api.delete(f"/api/v1/opportunities/{opportunity.pk}/")
    # then
    assert deleted.status_code == 204
    assert Opportunity.objects.count() == 0
    assert OpportunityStageChange.objects.count() == 0


def test_update_without_stage_change_adds_no_history(admin_api, org, rep_opportunity):
    # when
    response = admin_api.patch(
        f"/api/v1/opportunities/{rep_opportunity.pk}/", {"amount": "123.45"}, format="json"
    )
    # then
    assert response.status_code == 200
    assert OpportunityStageChange.objects.count() == 0
    rep_opportunity.refresh_from_db()
    assert rep_opportunity.amount == Decimal("123.45")


def test_closing_without_close_date_is_refused_and_nothing_changes(admin_api, rep_opportunity):
    # when
    response = admin_api.patch(
        f"/api/v1/opportunities/{rep_opportunity.pk}/", {"stage": "closed_won"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"close_date": ["A closed opportunity needs a close date."]}
    rep_opportunity.refresh_from_db()
    assert rep_opportunity.stage == "prospecting"
    assert OpportunityStageChange.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_deleting_a_referenced_account_answers_409_and_keeps_it(admin_api, rep_opportunity):
    # given
    account = rep_opportunity.account
    # when
    response = admin_api.delete(f"/api/v1/accounts/{account.pk}/")
    # then
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This account cannot be deleted: it is still referenced by opportunities."
    }
    assert Account.objects.filter(pk=account.pk).exists()
    assert AuditEvent.objects.count() == 0


def test_deleting_a_product_line_with_products_answers_409(admin_api, org):
    # given
    product = ProductFactory(organization=org)
    # when
    response = admin_api.delete(f"/api/v1/product-lines/{product.product_line_id}/")
    # then
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This product line cannot be deleted: it is still referenced by products."
    }
    assert ProductLine.objects.filter(pk=product.product_line_id).exists()
    assert Product.objects.filter(pk=product.pk).exists()
    assert AuditEvent.objects.count() == 0


def test_periods_are_listed_and_read_only(admin_api, org, other_org):
    # given
    january = FiscalPeriodFactory(organization=org)
    FiscalPeriodFactory(organization=other_org)
    # when
    listed = admin_api.get("/api/v1/periods/")
    created = admin_api.post("/api/v1/periods/", {"start_date": "2026-02-01"}, format="json")
    # then
    assert listed.json()["results"] == [
        {
            "id": january.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-01-31",
            "fiscal_year": 2026,
            "fiscal_quarter": 1,
            "status": "open",
            "closed_at": None,
            "closed_by": None,
            "label": "Jan 2026 (FY2026 Q1)",
        }
    ]
    assert created.status_code == 405
    assert FiscalPeriod.objects.filter(organization=org).count() == 1


def test_stage_changes_are_read_only(admin_api, rep_opportunity):
    # given
    change = StageChangeFactory(opportunity=rep_opportunity)
    # when
    response = admin_api.delete(f"/api/v1/stage-changes/{change.pk}/")
    # then
    assert response.status_code == 405
    assert OpportunityStageChange.objects.filter(pk=change.pk).exists()


def test_decimal_amounts_are_strings(admin_api, org):
    # given
    OpportunityFactory(organization=org, amount=Decimal("1234.50"))
    # when
    body = admin_api.get("/api/v1/opportunities/").json()
    # then
    assert body["results"][0]["amount"] == "1234.50"


def test_partner_list_filters_by_tier(admin_api, org):
    # given
    gold = PartnerFactory(organization=org, name="Gold Co", tier="gold")
    PartnerFactory(organization=org, name="Silver Co", tier="silver")
    # when
    body = admin_api.get("/api/v1/partners/?tier=gold").json()
    # then
    assert [r["id"] for r in body["results"]] == [gold.pk]


def test_opportunity_ordering_by_amount(admin_api, org):
    # given
    small = OpportunityFactory(organization=org, amount=Decimal("10.00"), created_date=dt.date(2026, 1, 1))
    big = OpportunityFactory(organization=org, amount=Decimal("99.00"), created_date=dt.date(2026, 1, 2))
    # when
    ascending = admin_api.get("/api/v1/opportunities/?ordering=amount").json()
    descending = admin_api.get("/api/v1/opportunities/?ordering=-amount").json()
    # then
    assert [r["id"] for r in ascending["results"]] == [small.pk, big.pk]
    assert [r["id"] for r in descending["results"]] == [big.pk, small.pk]
