"""Forecasting API serializers: fields listed explicitly, no logic."""

from __future__ import annotations

from rest_framework import serializers

from forecasting.models import DealScore, ModelVersion
from revops.models import JobRun


class DealScoreSerializer(serializers.ModelSerializer):
    opportunity_name = serializers.CharField(source="opportunity.name", read_only=True)
    owner = serializers.IntegerField(source="opportunity.owner_id", read_only=True)
    model = serializers.CharField(source="model_version.source_label", read_only=True)

    class Meta:
        model = DealScore
        fields = [
            "id",
            "opportunity",
            "opportunity_name",
            "owner",
            "as_of",
            "probability",
            "risk",
            "risk_band",
            "days_p10",
            "days_p50",
            "days_p90",
            "amount",
            "stage",
            "drivers",
            "actions",
            "narrative",
            "model",
        ]
        read_only_fields = fields


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "number",
            "kind",
            "label",
            "status",
            "window_start",
            "window_end",
            "features",
            "metrics",
            "reliability",
            "importance",
            "counts",
            "calibration",
            "timing_coverage",
            "promotion_note",
            "created_at",
        ]
        read_only_fields = fields


class JobStartSerializer(serializers.Serializer):
    idempotency_key = serializers.CharField(required=False, max_length=80)


class JobRunSerializer(serializers.ModelSerializer):
    """The queued run; its progress shows on the model page and in /api/v1/jobs/ for staff."""

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
        ]
        read_only_fields = fields
