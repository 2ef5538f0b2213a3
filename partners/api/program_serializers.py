"""Serializers of the partner program's read API (fields listed explicitly)."""

from __future__ import annotations

from rest_framework import serializers

from partners.models import PartnerHealth, ProgramTier


class ProgramTierSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_tier_display", read_only=True)

    class Meta:
        model = ProgramTier
        fields = [
            "id",
            "tier",
            "label",
            "rank",
            "window_days",
            "min_attributed_revenue",
            "min_registrations_won",
            "min_certifications",
        ]


class PartnerHealthSerializer(serializers.ModelSerializer):
    partner = serializers.IntegerField(source="partner_id", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    tier = serializers.CharField(source="partner.tier", read_only=True)
    lifecycle_stage = serializers.CharField(source="partner.lifecycle_stage", read_only=True)
    computed_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = PartnerHealth
        fields = ["partner", "partner_name", "tier", "lifecycle_stage", "score", "components", "computed_at"]
