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
    # Plain strings: an enum named "status" here would collide with other apps' in the schema.
    status = serializers.CharField(read_only=True, help_text="active, candidate (not promoted) or retired")
    kind = serializers.CharField(read_only=True, help_text="lightgbm or stage_segment_beta")

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


class ForecastJobSerializer(serializers.ModelSerializer):
    """The queued run; its progress shows on the model page and in /api/v1/jobs/ for staff."""

    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed")

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


class PeriodForecastSerializer(serializers.Serializer):
    label = serializers.CharField()
    grain = serializers.CharField(required=False)
    start = serializers.CharField(required=False)
    end = serializers.CharField(required=False)
    mean = serializers.FloatField()
    p10 = serializers.FloatField()
    p50 = serializers.FloatField()
    p90 = serializers.FloatField()
    won_to_date = serializers.FloatField(required=False)
    open_pipeline_mean = serializers.FloatField(required=False)
    runrate_mean = serializers.FloatField(required=False)


class CallFiguresSerializer(serializers.Serializer):
    commit = serializers.DecimalField(max_digits=20, decimal_places=2)
    best_case = serializers.DecimalField(max_digits=20, decimal_places=2)
    pipeline = serializers.DecimalField(max_digits=20, decimal_places=2)


class QuotaFiguresSerializer(serializers.Serializer):
    won = serializers.DecimalField(max_digits=20, decimal_places=2)
    open_pipeline = serializers.DecimalField(max_digits=20, decimal_places=2)
    quota = serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True)
    attainment = serializers.FloatField(allow_null=True, help_text="won ÷ quota")
    coverage = serializers.FloatField(allow_null=True, help_text="open pipeline ÷ (quota − won)")


class RollupRowSerializer(serializers.Serializer):
    member = serializers.IntegerField(help_text="Membership id.")
    manager = serializers.IntegerField(allow_null=True, help_text="The manager's membership id.")
    name = serializers.CharField()
    level = serializers.IntegerField()
    call = CallFiguresSerializer(allow_null=True, help_text="Commit after a manager's adjustment.")
    rollup = CallFiguresSerializer(allow_null=True, help_text="Σ of what the direct reports send up.")
    team = QuotaFiguresSerializer(help_text="The member and everyone below them.")
    missing = serializers.ListField(child=serializers.CharField(), help_text="Below, without a call.")


class RollupSerializer(serializers.Serializer):
    quota_source = serializers.CharField(help_text='"business objectives", or "no quota".')
    rows = RollupRowSerializer(many=True)
    organization = QuotaFiguresSerializer(allow_null=True)
    organization_call = CallFiguresSerializer(allow_null=True)


class ForecastSerializer(serializers.Serializer):
    """The latest forecast as the caller may see it (periods: organization scope only)."""

    as_of = serializers.DateField(allow_null=True)
    model = serializers.CharField(allow_null=True)
    simulations = serializers.IntegerField(allow_null=True)
    scope = serializers.CharField()
    quarter = serializers.CharField()
    periods = PeriodForecastSerializer(many=True)
    mine = serializers.DictField(
        allow_null=True, help_text="The caller's own or team's quarter: mean, p10, p50, p90."
    )
    velocity = serializers.DictField(allow_null=True)
    rollup = RollupSerializer(help_text="Calls up the team hierarchy beside won, pipeline and quota.")
