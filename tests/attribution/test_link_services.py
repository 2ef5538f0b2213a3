"""Split changes: who may make them, the required reason, the audit row and the account cap."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from attribution.models import AccountPartner, AttributionRule, AttributionRuleVersion, OpportunityPartner
from attribution.services.links import (
    ACCOUNT_SPLITS_OVER_100,
    SPLIT_REASON_REQUIRED,
    account_partner_set,
    opportunity_partner_remove,
    opportunity_partner_set,
)
from attribution.services.rules import rule_create
from revops.models import Account, AuditEvent, Opportunity
from tests.attribution.factories import AccountPartnerFactory, OpportunityPartnerFactory
from tests.revops.factories import AccountFactory, PartnerFactory

pytestmark = pytest.mark.django_db
RULE = {"action": {"kind": "set_split", "percent": "10"}, "conditions": {"roles": ["referral"]}}


@pytest.fixture
def link(org, rep_opportunity, partner):
    return OpportunityPartnerFactory(
        organization=org,
        opportunity=rep_opportunity,
        partner=partner,
        role="referral",
        split_percent=Decimal("10"),
    )


def _change(membership, opportunity, partner, percent="15", reason="Co-sold the expansion"):
    return opportunity_partner_set(
        membership=membership,
        opportunity=opportunity,
        partner=partner,
        role="referral",
        split_percent=Decimal(percent),
        reason=reason,
    )


def test_manager_changes_a_deal_split_and_it_is_audited_with_the_reason(
    manager, rep_opportunity, partner, link
):
    # when
    changed = _change(manager, rep_opportunity, partner)
    # then
    assert changed.pk == link.pk
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent == Decimal("15.00")
    audit = AuditEvent.objects.get(action="opportunity_partner.set")
    assert (audit.actor, audit.reason) == (manager.user, "Co-sold the expansion")
    assert (audit.before["split_percent"], audit.after["split_percent"]) == ("10.00", "15.00")


def test_a_split_change_needs_a_reason(manager, rep_opportunity, partner, link):
    # when
    with pytest.raises(ValidationError) as raised:
        _change(manager, rep_opportunity, partner, reason="   ")
    # then
    assert raised.value.message_dict == {"reason": [SPLIT_REASON_REQUIRED]}
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent == Decimal("10.00")
    assert not AuditEvent.objects.filter(action="opportunity_partner.set").exists()


@pytest.mark.parametrize("actor", ["rep", "partner_user", "finance_admin"])
def test_reps_partners_and_finance_cannot_change_splits(request, actor, rep_opportunity, partner, link):
    # given
    membership = request.getfixturevalue(actor)
    # when
    with pytest.raises(PermissionDenied):
        _change(membership, rep_opportunity, partner)
    # then
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent == Decimal("10.00")
    assert not AuditEvent.objects.filter(action="opportunity_partner.set").exists()


def test_another_organization_cannot_change_splits(other_org_admin, rep_opportunity, partner, link):
    # when
    with pytest.raises(Opportunity.DoesNotExist):
        _change(other_org_admin, rep_opportunity, partner)
    # then
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent == Decimal("10.00")
    assert not AuditEvent.objects.filter(action="opportunity_partner.set").exists()


def test_a_manager_cannot_change_a_deal_outside_the_team(manager, other_rep_opportunity, partner):
    # when
    with pytest.raises(Opportunity.DoesNotExist):
        _change(manager, other_rep_opportunity, partner)
    # then
    assert not OpportunityPartner.objects.exists()


def test_fixed_deal_splits_cannot_exceed_100(org, manager, rep_opportunity, partner, link):
    # given
    second = PartnerFactory(organization=org)
    # when
    with pytest.raises(ValidationError) as raised:
        _change(manager, rep_opportunity, second, percent="90.01")
    # then
    assert raised.value.messages == ["The deal's fixed splits would add up to 100.01 %, over 100 %."]
    assert list(OpportunityPartner.objects.values_list("partner_id", "split_percent")) == [
        (partner.pk, Decimal("10.00"))
    ]


def test_account_split_over_the_cap_is_refused(org, admin):
    # given
    account = AccountFactory(organization=org)
    first = AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("60"))
    newcomer = PartnerFactory(organization=org)
    # when
    with pytest.raises(ValidationError) as raised:
        account_partner_set(
            membership=admin, account=account, partner=newcomer, role="si", split_percent=Decimal("40.01")
        )
    # then
    assert raised.value.message_dict == {
        "split_percent": [ACCOUNT_SPLITS_OVER_100.format(total=Decimal("100.01"))]
    }
    assert list(AccountPartner.objects.values_list("pk", flat=True)) == [first.pk]


def test_account_split_up_to_exactly_100_is_accepted(org, admin):
    # given
    account = AccountFactory(organization=org)
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("60"))
    newcomer = PartnerFactory(organization=org)
    # when
    link = account_partner_set(
        membership=admin, account=account, partner=newcomer, role="si", split_percent=Decimal("40")
    )
    # then
    assert AccountPartner.objects.get(pk=link.pk).split_percent == Decimal("40.00")
    assert AuditEvent.objects.get(action="account_partner.set").after["split_percent"] == "40.00"


@pytest.mark.parametrize("_case,status", [("inactive", "inactive"), ("pending", "pending")])
def test_account_split_cap_counts_only_active_links(org, admin, _case, status):
    # given: an ended (or not yet approved) 70 % share and an active 30 % one
    account = AccountFactory(organization=org)
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("70"), status=status)
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("30"))
    newcomer = PartnerFactory(organization=org)
    # when: 70 % more is active 100 %, whatever the other link holds
    link = account_partner_set(
        membership=admin, account=account, partner=newcomer, role="si", split_percent=Decimal("70")
    )
    # then
    assert AccountPartner.objects.get(pk=link.pk).split_percent == Decimal("70.00")
    active = AccountPartner.objects.filter(account=account, status="active")
    assert sorted(active.values_list("split_percent", flat=True)) == [Decimal("30.00"), Decimal("70.00")]


def test_account_split_cap_still_refuses_past_100_with_inactive_links_around(org, admin):
    # given
    account = AccountFactory(organization=org)
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("50"), status="inactive")
    AccountPartnerFactory(organization=org, account=account, split_percent=Decimal("30"))
    newcomer = PartnerFactory(organization=org)
    links_before = AccountPartner.objects.count()
    # when
    with pytest.raises(ValidationError) as raised:
        account_partner_set(
            membership=admin, account=account, partner=newcomer, role="si", split_percent=Decimal("70.01")
        )
    # then: only the active 30 % counts
    assert raised.value.message_dict == {
        "split_percent": [ACCOUNT_SPLITS_OVER_100.format(total=Decimal("100.01"))]
    }
    assert AccountPartner.objects.count() == links_before


def test_account_splits_of_another_organization_are_out_of_reach(other_org_admin, org, partner):
    # given
    account = AccountFactory(organization=org)
    # when
    with pytest.raises(Account.DoesNotExist):
        account_partner_set(
            membership=other_org_admin,
            account=account,
            partner=partner,
            role="si",
            split_percent=Decimal("5"),
        )
    # then
    assert not AccountPartner.objects.exists()


def test_a_malformed_rule_is_refused_and_nothing_is_saved(admin):
    # when
    with pytest.raises(ValidationError) as raised:
        rule_create(
            organization=admin.organization,
            actor=admin.user,
            name="Broken",
            definition={"action": {"kind": "set_split", "percent": "120"}},
        )
    # then
    assert list(raised.value.message_dict) == ["definition"]
    assert not AttributionRule.objects.exists()
    assert not AttributionRuleVersion.objects.exists()


def test_removing_a_link_twice_removes_it_once(manager, link):
    # given: two requests that read the link before either removed it (a double click)
    first, second = (OpportunityPartner.objects.get(pk=link.pk) for _ in range(2))
    opportunity_partner_remove(membership=manager, link=first, reason="Not involved")
    audits = AuditEvent.objects.count()
    # when the second one arrives
    opportunity_partner_remove(membership=manager, link=second, reason="Not involved")
    # then nothing more happened: no second audit row
    assert not OpportunityPartner.objects.filter(pk=link.pk).exists()
    assert AuditEvent.objects.count() == audits
    assert AuditEvent.objects.filter(action="opportunity_partner.remove").count() == 1
