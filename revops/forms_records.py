"""Create/edit forms for the core records (accounts, partners, opportunities).

Choices are limited to what the member may see (accounts, owners, product lines of their
organization); saving goes through the audited services in revops.services.crm.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.contrib.auth import get_user_model

from revops.models import Account, Membership, Opportunity, Partner, ProductLine
from revops.models.crm import PartnerType
from revops.permissions import Cap, has_cap
from revops.versions import record_version

ACCOUNT_FIELDS = ("name", "domain", "industry", "segment", "region", "owner", "external_id")
PARTNER_FIELDS = ("name", "domain", "types", "tier", "status", "lifecycle_stage", "external_id")
OPPORTUNITY_FIELDS = (
    "name",
    "account",
    "owner",
    "stage",
    "amount",
    "currency",
    "created_date",
    "expected_close_date",
    "close_date",
    "product_line",
    "lead_source",
    "external_id",
)
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def internal_users(membership: Membership):
    """Users who can own accounts and deals: active internal members of the organization."""
    return (
        get_user_model()
        .objects.filter(
            memberships__organization_id=membership.organization_id,
            memberships__is_active=True,
            memberships__partner__isnull=True,
        )
        .distinct()
        .order_by("first_name", "last_name", "email")
    )


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class VersionedForm(forms.ModelForm):
    """A record form that carries the version it was opened on (hidden), so a save that
    started from an older version is refused instead of overwriting (revops.versions)."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.is_bound:
            self.initial["version"] = record_version(self.instance)


class AccountForm(VersionedForm):
    owner = OwnerChoiceField(queryset=None, required=False)

    class Meta:
        model = Account
        fields = ACCOUNT_FIELDS

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = internal_users(membership)


class PartnerForm(VersionedForm):
    types = forms.MultipleChoiceField(
        choices=PartnerType.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Partner
        fields = PARTNER_FIELDS

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)


class OpportunityForm(VersionedForm):
    owner = OwnerChoiceField(queryset=None, required=False)

    class Meta:
        model = Opportunity
        fields = OPPORTUNITY_FIELDS
        widgets = {"created_date": DATE, "expected_close_date": DATE, "close_date": DATE}

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["account"]).queryset = Account.objects.visible_to(
            membership
        ).order_by("name")
        cast(forms.ModelChoiceField, self.fields["product_line"]).queryset = ProductLine.objects.filter(
            organization_id=membership.organization_id
        ).order_by("name")
        owners = internal_users(membership)
        if not has_cap(membership, Cap.ACCOUNT_EDIT):
            # A rep owns what they create and cannot hand a deal to someone else (they would
            # lose sight of it); managers and admins assign owners.
            owners = owners.filter(pk=membership.user_id)
        cast(forms.ModelChoiceField, self.fields["owner"]).queryset = owners
        self.fields["owner"].required = not has_cap(membership, Cap.ACCOUNT_EDIT)
