"""Account, partner and opportunity pages and their create/edit forms (audited, scoped)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from revops import panels
from revops.models import AuditEvent, Opportunity, OpportunityStageChange, Partner
from revops.panels import RecordPanel, record_panel_register
from revops.permissions import Cap
from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    org = OrganizationFactory(currency="EUR")
    manager = MembershipFactory(organization=org, role="manager", org_wide=True)
    admin = MembershipFactory(organization=org, role="admin")
    rep = MembershipFactory(organization=org, role="rep")
    other_rep = MembershipFactory(organization=org, role="rep")
    account = AccountFactory(
        organization=org, name="Helios Foods", owner=rep.user, segment="smb", region="emea"
    )
    mine_open = OpportunityFactory(organization=org, account=account, owner=rep.user, name="Helios renewal")
    mine_won = OpportunityFactory(
        organization=org,
        account=account,
        owner=rep.user,
        name="Helios pilot",
        stage="closed_won",
        amount=Decimal("2500000.00"),
    )
    theirs = OpportunityFactory(
        organization=org,
        account=account,
        owner=other_rep.user,
        name="Helios secret expansion",
        amount=Decimal("70000.00"),
    )
    partner = PartnerFactory(organization=org, name="Orbit Partners", tier="gold", types=["si", "isv"])
    MembershipFactory(organization=org, role="partner", partner=partner)
    return {
        "org": org,
        "manager": manager,
        "admin": admin,
        "rep": rep,
        "other_rep": other_rep,
        "account": account,
        "mine_open": mine_open,
        "mine_won": mine_won,
        "theirs": theirs,
        "partner": partner,
    }


def _login(client, membership):
    client.force_login(membership.user)
    return client


def test_account_page_shows_the_deals_and_figures_the_rep_may_see(client, world):
    # when
    response = _login(client, world["rep"]).get(reverse("revops:account-detail", args=[world["account"].pk]))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert sorted(d.name for d in response.context["deals"]) == ["Helios pilot", "Helios renewal"]
    totals = response.context["totals"]
    assert (totals.open_count, totals.open_amount, totals.won_count, totals.won_amount) == (
        1,
        Decimal("10000.00"),
        1,
        Decimal("2500000.00"),
    )
    assert "Helios secret expansion" not in html
    assert "€2.5M" in html  # organization currency, compact tile
    assert "SMB · EMEA" in html
    assert "Edit account" not in html  # reps do not edit accounts


def test_manager_sees_every_deal_of_the_account_and_may_edit(client, world):
    response = _login(client, world["manager"]).get(
        reverse("revops:account-detail", args=[world["account"].pk])
    )
    assert sorted(d.name for d in response.context["deals"]) == [
        "Helios pilot",
        "Helios renewal",
        "Helios secret expansion",
    ]
    assert response.context["totals"].open_amount == Decimal("80000.00")
    assert "Edit account" in response.content.decode()


def test_account_edit_saves_through_the_audited_service(client, world):
    # given
    account = world["account"]
    data = {
        "name": "Helios Foods Group",
        "domain": "helios.example",
        "industry": "Food",
        "segment": "enterprise",
        "region": "emea",
        "owner": world["rep"].user_id,
        "external_id": "ACC-9",
    }

    # when
    response = _login(client, world["manager"]).post(reverse("revops:account-edit", args=[account.pk]), data)

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("revops:account-detail", args=[account.pk])
    account.refresh_from_db()
    assert (account.name, account.segment, account.external_id) == (
        "Helios Foods Group",
        "enterprise",
        "ACC-9",
    )
    event = AuditEvent.objects.get(action="account.update", object_id=str(account.pk))
    assert event.actor_id == world["manager"].user_id
    assert event.before == {
        "name": "Helios Foods",
        "domain": "heliosfoods.example",
        "industry": "Software",
        "segment": "smb",
        "external_id": "",
    }
    assert event.after["name"] == "Helios Foods Group"


def test_account_edit_refuses_a_duplicate_external_id_and_changes_nothing(client, world):
    # given
    AccountFactory(organization=world["org"], external_id="TAKEN")
    account = world["account"]
    data = {"name": "Renamed", "segment": "smb", "region": "emea", "external_id": "TAKEN"}

    # when
    response = _login(client, world["manager"]).post(reverse("revops:account-edit", args=[account.pk]), data)

    # then
    assert response.status_code == 400
    assert "Another account in this organization has this external id." in response.content.decode()
    account.refresh_from_db()
    assert (account.name, account.external_id) == ("Helios Foods", "")
    assert not AuditEvent.objects.filter(action="account.update").exists()


def test_partner_page_shows_labels_tier_and_contacts(client, world):
    response = _login(client, world["rep"]).get(reverse("revops:partner-detail", args=[world["partner"].pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "SI / implementation, ISV" in html
    assert '<span class="tier tier-gold">Gold</span>' in html
    assert len(response.context["contacts"]) == 1
    assert "Edit partner" not in html


def test_admin_creates_a_partner_with_types(client, world):
    # when
    response = _login(client, world["admin"]).post(
        reverse("revops:partner-create"),
        {
            "name": "Nova Referral",
            "types": ["referral"],
            "tier": "silver",
            "status": "active",
            "lifecycle_stage": "onboarding",
        },
    )

    # then
    partner = Partner.objects.get(organization=world["org"], name="Nova Referral")
    assert response["Location"] == reverse("revops:partner-detail", args=[partner.pk])
    assert (partner.types, partner.tier, partner.lifecycle_stage) == (["referral"], "silver", "onboarding")
    assert AuditEvent.objects.filter(action="partner.create", object_id=str(partner.pk)).count() == 1


def test_rep_creates_an_opportunity_they_own_with_its_first_stage(client, world):
    # when
    response = _login(client, world["rep"]).post(
        reverse("revops:opportunity-create"),
        {
            "name": "Helios add-on",
            "account": world["account"].pk,
            "owner": world["rep"].user_id,
            "stage": "prospecting",
            "amount": "1234.50",
            "currency": "EUR",
            "created_date": "2026-11-01",
        },
    )

    # then
    deal = Opportunity.objects.get(name="Helios add-on")
    assert response["Location"] == reverse("revops:opportunity-detail", args=[deal.pk])
    assert (deal.owner_id, deal.amount, deal.organization_id) == (
        world["rep"].user_id,
        Decimal("1234.50"),
        world["org"].pk,
    )
    assert list(
        OpportunityStageChange.objects.filter(opportunity=deal).values_list("from_stage", "to_stage")
    ) == [("", "prospecting")]


def test_rep_cannot_hand_a_new_deal_to_someone_else(client, world):
    # when
    response = _login(client, world["rep"]).post(
        reverse("revops:opportunity-create"),
        {
            "name": "Sneaky",
            "account": world["account"].pk,
            "owner": world["other_rep"].user_id,
            "stage": "prospecting",
            "amount": "10",
            "currency": "EUR",
            "created_date": "2026-11-01",
        },
    )

    # then
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Opportunity.objects.filter(name="Sneaky").exists()


def test_closing_a_deal_without_a_close_date_is_refused(client, world):
    # given
    deal = world["mine_open"]

    # when
    response = _login(client, world["rep"]).post(
        reverse("revops:opportunity-edit", args=[deal.pk]),
        {
            "name": deal.name,
            "account": deal.account_id,
            "owner": world["rep"].user_id,
            "stage": "closed_won",
            "amount": "10000.00",
            "currency": "USD",
            "created_date": "2026-01-15",
        },
    )

    # then
    assert response.status_code == 400
    assert "A closed opportunity needs a close date." in response.content.decode()
    deal.refresh_from_db()
    assert deal.stage == "prospecting"
    assert OpportunityStageChange.objects.filter(opportunity=deal).count() == 0


def test_stage_move_through_the_edit_form_is_recorded(client, world):
    # given
    deal = world["mine_open"]

    # when
    response = _login(client, world["rep"]).post(
        reverse("revops:opportunity-edit", args=[deal.pk]),
        {
            "name": deal.name,
            "account": deal.account_id,
            "owner": world["rep"].user_id,
            "stage": "proposal",
            "amount": "12000.00",
            "currency": "USD",
            "created_date": "2026-01-15",
        },
    )

    # then
    assert response.status_code == 302
    deal.refresh_from_db()
    assert (deal.stage, deal.amount) == ("proposal", Decimal("12000.00"))
    assert list(
        OpportunityStageChange.objects.filter(opportunity=deal).values_list("from_stage", "to_stage")
    ) == [("prospecting", "proposal")]


def test_rep_cannot_open_the_edit_form_of_another_reps_deal(client, world):
    response = _login(client, world["rep"]).get(reverse("revops:opportunity-edit", args=[world["theirs"].pk]))
    assert response.status_code == 404


def test_deal_page_title_is_the_deal_name_alone(client, world):
    # given: the deal page renders app panels below its details
    response = _login(client, world["rep"]).get(
        reverse("revops:opportunity-detail", args=[world["mine_open"].pk])
    )

    # then: the <title> holds only the name, not the panels
    html = response.content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert title == "Helios renewal · revops"


def test_tables_link_accounts_to_their_page(client, world):
    response = _login(client, world["rep"]).get(reverse("revops:opportunity-list"))
    url = reverse("revops:account-detail", args=[world["account"].pk])
    assert f'<a href="{url}">Helios Foods</a>' in response.content.decode()


def test_app_panels_appear_only_for_members_with_their_capability(
    client, world, settings, tmp_path, monkeypatch
):
    # given: a panel that needs the audit capability (admin and finance only)
    (tmp_path / "test_panel.html").write_text("panel says {{ panel.n }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}]
    # (the registry is restored after the test, so no other test renders this panel)
    monkeypatch.setattr(panels, "_PANELS", {kind: dict(p) for kind, p in panels._PANELS.items()})
    record_panel_register(
        RecordPanel(
            kind="account",
            key="test-audit",
            title="Audit panel",
            cap=Cap.AUDIT_VIEW,
            template="test_panel.html",
            context=lambda *, membership, record: {"n": record.pk},
        )
    )
    url = reverse("revops:account-detail", args=[world["account"].pk])

    # when
    admin_html = _login(client, world["admin"]).get(url).content.decode()
    rep_html = _login(client, world["rep"]).get(url).content.decode()

    # then
    assert 'id="panel-test-audit"' in admin_html
    assert f"panel says {world['account'].pk}" in admin_html
    assert 'id="panel-test-audit"' not in rep_html
