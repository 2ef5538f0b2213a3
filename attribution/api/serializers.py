"""Serializers of the attribution API: input shape and output only; writes happen in services.

Foreign keys are looked up among the rows the member may see (`ScopedRelatedField`), so
another organization's id is an ordinary "does not exist" field error.
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from rest_framework import serializers

from attribution.models import (
    AccountPartner,
    AttributionEntry,
    AttributionSettings,
    LinkSource,
    LinkStatus,
    OpportunityPartner,
    PartnerRole,
    RevenueEvent,
    SiMode,
)
from revops.api.serializers import ScopedRelatedField, accounts_for
from revops.models import Account, JobRun, Membership, Opportunity, Partner

PERCENT = {"max_digits": 5, "decimal_places": 2, "min_value": Decimal("0"), "max_value": Decimal("100")}
ACCOUNT_NOT_OF_DEAL = "This is not the account of the opportunity."
TARGET_REQUIRED = "Give an opportunity or an account."


def opportunities_for(membership: Membership | None):
    return Opportunity.objects.visible_to(membership)


def partners_for(membership: Membership | None):
    return Partner.objects.visible_to(membership)


# --- Partner links ------------------------------------------------------------------------


class OpportunityPartnerSerializer(serializers.ModelSerializer):
    """A partner's role and split on a deal; `reason` is required and kept in the audit trail."""

    opportunity = ScopedRelatedField(scope=opportunities_for, queryset=Opportunity.objects.none())
    partner = ScopedRelatedField(scope=partners_for, queryset=Partner.objects.none())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    split_percent = serializers.DecimalField(
        **PERCENT, allow_null=True, required=False, help_text="Null: the rules and defaults decide."
    )
    source = serializers.ChoiceField(choices=LinkSource.choices, default=LinkSource.MANUAL)
    status = serializers.ChoiceField(choices=LinkStatus.choices, default=LinkStatus.ACTIVE)
    reason = serializers.CharField(
        write_only=True, max_length=2000, allow_blank=True, help_text="Why the split changes."
    )

    class Meta:
        model = OpportunityPartner
        fields = [
            "id",
            "opportunity",
            "partner",
            "partner_name",
            "role",
            "split_percent",
            "source",
            "status",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []  # (opportunity, partner, role) is the service's key: set, not duplicate


class OpportunityPartnerUpdateSerializer(OpportunityPartnerSerializer):
    """Change a deal link's split or status; the deal, partner and role stay as they are."""

    opportunity = serializers.PrimaryKeyRelatedField(read_only=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True)
    role = serializers.ChoiceField(choices=PartnerRole.choices, read_only=True)
    source = serializers.ChoiceField(choices=LinkSource.choices, required=False)
    status = serializers.ChoiceField(choices=LinkStatus.choices, required=False)


class AccountPartnerSerializer(serializers.ModelSerializer):
    """A partner's share of all revenue of an account; an account's active shares cap at 100 %."""

    account = ScopedRelatedField(scope=accounts_for, queryset=Account.objects.none())
    partner = ScopedRelatedField(scope=partners_for, queryset=Partner.objects.none())
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    split_percent = serializers.DecimalField(**PERCENT)
    source = serializers.ChoiceField(choices=LinkSource.choices, default=LinkSource.MANUAL)
    status = serializers.ChoiceField(choices=LinkStatus.choices, default=LinkStatus.ACTIVE)
    reason = serializers.CharField(
        write_only=True, max_length=2000, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = AccountPartner
        fields = [
            "id",
            "account",
            "partner",
            "partner_name",
            "role",
            "split_percent",
            "source",
            "status",
            "reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators: list = []


class AccountPartnerUpdateSerializer(AccountPartnerSerializer):
    account = serializers.PrimaryKeyRelatedField(read_only=True)
    partner = serializers.PrimaryKeyRelatedField(read_only=True)
    role = serializers.ChoiceField(choices=PartnerRole.choices, read_only=True)
    split_percent = serializers.DecimalField(**PERCENT, required=False)
    source = serializers.ChoiceField(choices=LinkSource.choices, required=False)
    status = serializers.ChoiceField(choices=LinkStatus.choices, required=False)


class LinkRemoveSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, allow_blank=True, help_text="Why the partner is taken off."
    )


# --- Revenue events -----------------------------------------------------------------------


class RevenueEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = RevenueEvent
        fields = ["id", "date", "amount", "account", "opportunity", "source", "external_id", "created_at"]
        read_only_fields = fields


class RevenueEventInputSerializer(serializers.Serializer):
    """One event of a bulk create; the account defaults to the opportunity's."""

    external_id = serializers.CharField(max_length=64)
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    opportunity = ScopedRelatedField(
        scope=opportunities_for, queryset=Opportunity.objects.none(), required=False, allow_null=True
    )
    account = ScopedRelatedField(
        scope=accounts_for, queryset=Account.objects.none(), required=False, allow_null=True
    )

    def validate(self, attrs: dict) -> dict:
        opportunity, account = attrs.get("opportunity"), attrs.get("account")
        if opportunity is None and account is None:
            raise serializers.ValidationError({"opportunity": TARGET_REQUIRED})
        if opportunity is not None and account is not None and opportunity.account_id != account.pk:
            raise serializers.ValidationError({"account": ACCOUNT_NOT_OF_DEAL})
        return attrs


class RevenueBulkResultSerializer(serializers.Serializer):
    created = RevenueEventSerializer(many=True)
    existing = serializers.ListField(
        child=serializers.CharField(), help_text="External ids already present; nothing was written."
    )
    posted_entries = serializers.IntegerField(help_text="Ledger entries posted for the new events.")


class ItemErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="Position of the item in the posted list (from 0).")
    field = serializers.CharField()
    message = serializers.CharField()


class RevenueBulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ItemErrorSerializer(many=True)


# --- Ledger -------------------------------------------------------------------------------


class LedgerEntrySerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    period_label = serializers.CharField(source="period.__str__", read_only=True)
    revenue_date = serializers.DateField(source="revenue_event.date", read_only=True)
    opportunity = serializers.IntegerField(
        source="revenue_event.opportunity_id", read_only=True, allow_null=True
    )
    account = serializers.IntegerField(source="revenue_event.account_id", read_only=True, allow_null=True)
    reverses = serializers.IntegerField(
        source="corrects_id", read_only=True, allow_null=True, help_text="Id of the entry this one corrects."
    )
    explanation = serializers.JSONField(source="explanation_ref.content", read_only=True)

    class Meta:
        model = AttributionEntry
        fields = [
            "id",
            "sequence",
            "kind",
            "partner",
            "partner_name",
            "role",
            "scope",
            "split_percent",
            "amount",
            "period",
            "period_label",
            "revenue_period",
            "revenue_event",
            "revenue_date",
            "opportunity",
            "account",
            "reverses",
            "rule_version",
            "explanation",
            "created_at",
        ]
        read_only_fields = fields


class PartnerTotalSerializer(serializers.Serializer):
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField()
    entries = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=18, decimal_places=2)


class LedgerTotalsSerializer(serializers.Serializer):
    entries = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    by_partner = PartnerTotalSerializer(many=True)


# --- Recompute, explanations, settings ----------------------------------------------------


class RecomputeSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(
        max_length=80,
        required=False,
        help_text="The same key never runs twice; omit it to start a new run.",
    )


class JobRunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Poll this until status is succeeded or failed.")

    class Meta:
        model = JobRun
        fields = [
            "id",
            "kind",
            "status",
            "progress",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, job: JobRun) -> str:
        path = reverse("attribution-api:job-detail", kwargs={"pk": job.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class RuleRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()


class CapSerializer(serializers.Serializer):
    what = serializers.CharField()
    from_percent = serializers.DecimalField(source="from", max_digits=5, decimal_places=2)
    to_percent = serializers.DecimalField(source="to", max_digits=5, decimal_places=2)


class ConsideredRuleSerializer(serializers.Serializer):
    rule_id = serializers.IntegerField()
    version = serializers.IntegerField()
    name = serializers.CharField()
    matched = serializers.BooleanField()
    reason = serializers.CharField()


class PartnerExplanationSerializer(serializers.Serializer):
    link = serializers.IntegerField(source="link_id")
    partner = serializers.IntegerField(source="partner_id")
    partner_name = serializers.CharField()
    role = serializers.ChoiceField(choices=PartnerRole.choices)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    allowed = serializers.BooleanField()
    source = serializers.CharField(help_text="manual, rule, default, si_live_share, si_fixed or denied.")
    rule = RuleRefSerializer(allow_null=True, help_text="The rule that decided the split, if any.")
    caps = CapSerializer(many=True)
    considered = ConsideredRuleSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField(help_text="The explanation in plain language.")


class DefaultSplitsSerializer(serializers.Serializer):
    si = serializers.DecimalField(**PERCENT, required=False)
    influence = serializers.DecimalField(**PERCENT, required=False)
    referral = serializers.DecimalField(**PERCENT, required=False)
    isv = serializers.DecimalField(**PERCENT, required=False)


class AttributionSettingsSerializer(serializers.ModelSerializer):
    si_mode = serializers.ChoiceField(choices=SiMode.choices)
    si_fixed_percent = serializers.DecimalField(**PERCENT)
    default_splits = DefaultSplitsSerializer()

    class Meta:
        model = AttributionSettings
        fields = ["enforce_account_cap", "si_mode", "si_fixed_percent", "default_splits", "updated_at"]
        read_only_fields = ["updated_at"]

    def to_representation(self, instance: AttributionSettings) -> dict:
        data = super().to_representation(instance)
        data["default_splits"] = DefaultSplitsSerializer(instance.defaults).data
        return data


class SplitQueuedSerializer(serializers.Serializer):
    """The answer when a split change waits for approval instead of applying (202)."""

    split_change_request = serializers.IntegerField(help_text="The approval request holding the change.")
    detail = serializers.CharField()
