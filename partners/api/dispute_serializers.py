"""Serializers of the partner disputes API: explicit fields, no logic (writes call services)."""

from __future__ import annotations

from rest_framework import serializers

from partners.models import DisputeComment, PartnerDispute

DISPUTE_FIELDS = [
    "id",
    "partner",
    "partner_name",
    "opportunity",
    "opportunity_name",
    "entry",
    "role",
    "side",
    "claim",
    "current_split_percent",
    "proposed_split_percent",
    "status",
    "resolution_reason",
    "due_at",
    "resolved_at",
    "created_at",
    "adjustment_entries",
    "adjustment_amount",
]


class DisputeCommentSerializer(serializers.ModelSerializer):
    author_email = serializers.EmailField(source="author.email", read_only=True)

    class Meta:
        model = DisputeComment
        fields = ["id", "side", "author_email", "body", "internal", "created_at"]
        read_only_fields = fields


class PartnerDisputeSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)

    class Meta:
        model = PartnerDispute
        fields = DISPUTE_FIELDS
        read_only_fields = fields


class PartnerDisputeDetailSerializer(PartnerDisputeSerializer):
    """A dispute with its thread (the view passes only what the member may read)."""

    comments = serializers.SerializerMethodField()

    class Meta(PartnerDisputeSerializer.Meta):
        fields = [*DISPUTE_FIELDS, "comments"]
        read_only_fields = fields

    def get_comments(self, obj) -> list[dict]:
        return DisputeCommentSerializer(self.context.get("thread", []), many=True).data


class DisputeOpenInputSerializer(serializers.Serializer):
    """Open a dispute on a deal (`opportunity`) or on one statement line (`entry`)."""

    opportunity = serializers.IntegerField(required=False)
    entry = serializers.IntegerField(required=False)
    partner = serializers.IntegerField(
        required=False, help_text="Internal members: the partner disputed for."
    )
    claim = serializers.CharField(max_length=4000)
    proposed_split_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100
    )

    def validate(self, attrs):
        if not attrs.get("opportunity") and not attrs.get("entry"):
            raise serializers.ValidationError(
                {"opportunity": ["Name the deal or the statement line (entry)."]}
            )
        return attrs


class DisputeCommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=4000)
    internal = serializers.BooleanField(default=False, help_text="An internal note (internal members only).")


class DisputeResolveInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
