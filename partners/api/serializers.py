"""Serializers of the partners API. Output only, except the request shapes documented for the
schema: a registration is validated by the portal's own form (`partners.forms.RegistrationForm`)
so the API and the portal answer the same bad input with the same errors."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from partners.models import DealRegistration
from partners.selectors.conflicts import partner_summary
from revops.api.serializers import OptionalEmailField
from revops.models.crm import PartnerType

COMMON_FIELDS = [
    "id",
    "partner",
    "status",
    "account_name",
    "domain",
    "contact_name",
    "contact_email",
    "description",
    "estimated_value",
    "currency",
    "product_line",
    "expected_close",
    "role",
    "has_conflict",
    "current_step_name",
    "step_due_at",
    "protected_until",
    "decided_at",
    "decision_reason",
    "created_at",
]


class _RegistrationBase(serializers.ModelSerializer):
    current_step_name = serializers.SerializerMethodField()
    contact_email = OptionalEmailField(read_only=True)

    def get_current_step_name(self, obj: DealRegistration) -> str:
        steps = obj.steps or []
        return steps[obj.current_step]["name"] if obj.current_step < len(steps) else ""


class PortalRegistrationSerializer(_RegistrationBase):
    """What a partner reads: its registration and the conflict check's facts, naming nobody."""

    conflict_warnings = serializers.SerializerMethodField()

    class Meta:
        model = DealRegistration
        fields = [*COMMON_FIELDS, "conflict_warnings"]
        read_only_fields = fields

    def get_conflict_warnings(self, obj: DealRegistration) -> list[str]:
        return partner_summary(obj.conflict)


class RegistrationSerializer(_RegistrationBase):
    """What an internal reader sees: the whole conflict check, the chain, the deal it linked."""

    submitted_by_email = serializers.SerializerMethodField()

    class Meta:
        model = DealRegistration
        fields = [
            *COMMON_FIELDS,
            "submitted_by_email",
            "submitter_name",
            "link",
            "conflict",
            "steps",
            "current_step",
            "escalated",
            "account",
            "opportunity",
        ]
        read_only_fields = fields

    def get_submitted_by_email(self, obj: DealRegistration) -> str:
        return obj.requester_email


class RegistrationCreateSerializer(serializers.Serializer):
    """The request body of a new registration (documentation; the portal form validates it)."""

    account_name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=200, required=False)
    contact_name = serializers.CharField(max_length=200, required=False)
    contact_email = serializers.EmailField(required=False)
    description = serializers.CharField(required=False)
    estimated_value = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    currency = serializers.CharField(max_length=3)
    product_line = serializers.IntegerField(help_text="Id of one of the organization's product lines.")
    expected_close = serializers.DateField()
    role = serializers.ChoiceField(choices=PartnerType.choices)


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Required: the partner reads it.")


def reject_reason(data: object) -> str:
    """The `reason` of a reject request's body (the engine refuses an empty one); a body that
    is not a JSON object is a 400, not a crash."""
    if not isinstance(data, Mapping):
        raise serializers.ValidationError({"detail": "Send a JSON object with a reason."})
    return str(data.get("reason", "") or "")
