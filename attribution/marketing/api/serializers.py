"""Marketing API input and output."""

from __future__ import annotations

from rest_framework import serializers

from attribution.marketing.models import AttributionRun
from attribution.marketing.services.touches import MAX_BATCH


class TouchInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=120)
    occurred_at = serializers.DateTimeField()
    channel = serializers.CharField(max_length=80)
    campaign = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    contact_key = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    account_external_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    opportunity_external_id = serializers.CharField(
        max_length=64, required=False, allow_blank=True, default=""
    )


class TouchBulkInputSerializer(serializers.Serializer):
    touches = TouchInputSerializer(many=True, allow_empty=True, max_length=MAX_BATCH, required=False)


class TouchBulkOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RunSerializer(serializers.ModelSerializer):
    config = serializers.CharField(source="config.name")

    class Meta:
        model = AttributionRun
        fields = [
            "id",
            "config",
            "config_version",
            "config_snapshot",
            "model",
            "status",
            "window_start",
            "window_end",
            "journeys",
            "touches",
            "conversions",
            "value",
            "order_used",
            "exact",
            "has_intervals",
            "probability_source",
            "promoted",
            "error",
            "created_at",
            "finished_at",
        ]


class ChannelCreditSerializer(serializers.Serializer):
    channel = serializers.CharField(source="channel.name")
    grouping = serializers.CharField(source="channel.grouping")
    conversions = serializers.DecimalField(max_digits=18, decimal_places=4)
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    conversions_low = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    conversions_high = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    value_low = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    value_high = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    removal_effect = serializers.FloatField(allow_null=True)
    journeys = serializers.IntegerField()
    converting_journeys = serializers.IntegerField()
    won_journeys = serializers.IntegerField()
    closed_journeys = serializers.IntegerField()
    open_pipeline = serializers.DecimalField(max_digits=18, decimal_places=2)
    expected_revenue = serializers.DecimalField(max_digits=18, decimal_places=2)


class ComparisonCellSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    model = serializers.CharField()
    conversions = serializers.DecimalField(max_digits=18, decimal_places=4)
    value = serializers.DecimalField(max_digits=18, decimal_places=2)
    share = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="% of the run's value")
    value_low = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    value_high = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)


class ComparisonRowSerializer(serializers.Serializer):
    channel = serializers.CharField()
    models = ComparisonCellSerializer(many=True)
    note = serializers.CharField()


class ComparisonSerializer(serializers.Serializer):
    runs = serializers.ListField(child=serializers.IntegerField())
    rows = ComparisonRowSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


class JourneySummarySerializer(serializers.Serializer):
    opportunity_id = serializers.IntegerField()
    name = serializers.CharField()
    account = serializers.CharField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    touches = serializers.IntegerField()


class JourneyListSerializer(serializers.Serializer):
    run = serializers.IntegerField(allow_null=True, help_text="The reporting run (promoted, else latest)")
    journeys = JourneySummarySerializer(many=True)


class JourneyTouchSerializer(serializers.Serializer):
    touch_id = serializers.IntegerField()
    occurred_at = serializers.DateTimeField()
    channel = serializers.CharField()
    campaign = serializers.CharField()
    contact = serializers.CharField()
    shares = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Model → percent of the conversion"
    )


class JourneyDetailSerializer(serializers.Serializer):
    opportunity_id = serializers.IntegerField()
    opportunity = serializers.CharField()
    touches = JourneyTouchSerializer(many=True)
