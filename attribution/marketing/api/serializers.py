"""Marketing API input and output."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from attribution.marketing.forms import MAX_WINDOW_DAYS
from attribution.marketing.models import AttributionRun, ConfigSchedule, Frequency, PathRow, PathSet
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


class PathSetSerializer(serializers.ModelSerializer):
    """A path set with its figures summed from its rows, and how many runs used it."""

    rows = serializers.IntegerField(source="row_count", read_only=True)
    conversions = serializers.DecimalField(max_digits=28, decimal_places=4, read_only=True)
    value = serializers.DecimalField(max_digits=38, decimal_places=10, read_only=True)
    nulls = serializers.DecimalField(max_digits=28, decimal_places=4, read_only=True)
    runs = serializers.IntegerField(source="run_count", read_only=True)

    class Meta:
        model = PathSet
        fields = ["id", "name", "rows", "conversions", "value", "nulls", "runs", "created_at"]
        read_only_fields = fields


class PathRowSerializer(serializers.ModelSerializer):
    channels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = PathRow
        fields = ["id", "path", "channels", "conversions", "value", "nulls"]
        read_only_fields = fields


class ConfigScheduleSerializer(serializers.ModelSerializer):
    """A schedule; `config_name` is set on creation (a schedule follows its configuration)."""

    frequency = serializers.ChoiceField(choices=Frequency.choices, default=Frequency.WEEKLY)
    window_days = serializers.IntegerField(min_value=1, max_value=MAX_WINDOW_DAYS, default=365)
    enabled = serializers.BooleanField(default=True)
    next_due_on = serializers.SerializerMethodField()
    last_run = serializers.IntegerField(source="last_run_id", read_only=True, allow_null=True)
    last_run_status = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = ConfigSchedule
        fields = [
            "id",
            "config_name",
            "frequency",
            "window_days",
            "enabled",
            "last_run_on",
            "next_due_on",
            "last_run",
            "last_run_status",
        ]
        read_only_fields = ["id", "last_run_on"]

    def get_next_due_on(self, obj: ConfigSchedule) -> dt.date | None:
        return obj.next_due_on(self.context["today"])
