"""Serializers of partner touchpoints and split-change requests (output; request shapes for
the schema — a touchpoint is validated by the portal's own form, `TouchpointForm`)."""

from __future__ import annotations

from rest_framework import serializers

from partners.models import ActivityType, PartnerTouchpoint, SplitChangeRequest

TOUCHPOINT_FIELDS = [
    "id",
    "partner",
    "status",
    "account",
    "opportunity",
    "activity_type",
    "occurred_on",
    "description",
    "current_step_name",
    "step_due_at",
    "decided_at",
    "decision_reason",
    "credited_opportunity_ids",
    "created_at",
]


def _step_name(obj) -> str:
    steps = obj.steps or []
    return steps[obj.current_step]["name"] if obj.current_step < len(steps) else ""


class PortalTouchpointSerializer(serializers.ModelSerializer):
    """What a partner reads of its own touchpoint."""

    current_step_name = serializers.SerializerMethodField()

    class Meta:
        model = PartnerTouchpoint
        fields = TOUCHPOINT_FIELDS
        read_only_fields = fields

    def get_current_step_name(self, obj: PartnerTouchpoint) -> str:
        return _step_name(obj)


class TouchpointSerializer(PortalTouchpointSerializer):
    """What an internal reader sees: the chain and who submitted it too."""

    submitted_by_email = serializers.SerializerMethodField()

    class Meta:
        model = PartnerTouchpoint
        fields = [
            *TOUCHPOINT_FIELDS,
            "submitted_by_email",
            "has_conflict",
            "steps",
            "current_step",
            "escalated",
        ]
        read_only_fields = fields

    def get_submitted_by_email(self, obj: PartnerTouchpoint) -> str:
        return obj.requester_email


class TouchpointCreateSerializer(serializers.Serializer):
    """The request body of a new touchpoint (documentation; the portal form validates it)."""

    account = serializers.IntegerField(help_text="Id of an account the partner works on.")
    opportunity = serializers.IntegerField(required=False, help_text="Id of a deal the partner is on.")
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    occurred_on = serializers.DateField()
    description = serializers.CharField()


class SplitChangeSerializer(serializers.ModelSerializer):
    current_step_name = serializers.SerializerMethodField()
    submitted_by_email = serializers.SerializerMethodField()

    class Meta:
        model = SplitChangeRequest
        fields = [
            "id",
            "opportunity",
            "partner",
            "role",
            "current_split",
            "proposed_split",
            "reason",
            "status",
            "has_conflict",
            "steps",
            "current_step",
            "current_step_name",
            "step_due_at",
            "escalated",
            "submitted_by_email",
            "decided_at",
            "decision_reason",
            "created_at",
        ]
        read_only_fields = fields

    def get_current_step_name(self, obj: SplitChangeRequest) -> str:
        return _step_name(obj)

    def get_submitted_by_email(self, obj: SplitChangeRequest) -> str:
        return obj.requester_email
