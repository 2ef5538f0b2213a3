"""Serializers of the distribution API: input validation and output (writes go through services)."""

from __future__ import annotations

from rest_framework import serializers

from distribution.models import DistributionConfig, DistributionRun, Lead, LeadAssignment, RunMode


class LeadSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(
        source="campaign.name", required=False, allow_blank=True, max_length=120
    )
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)

    class Meta:
        model = Lead
        fields = [
            "id",
            "external_id",
            "name",
            "email",
            "phone",
            "company",
            "web_source",
            "campaign_name",
            "status",
            "tags",
            "do_not_call",
            "priority",
            "score",
            "segment",
            "converted",
            "owner",
            "received_at",
            "assigned_at",
        ]
        read_only_fields = ["id", "owner", "assigned_at"]


class LeadBulkRowSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.CharField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    company = serializers.CharField(max_length=200, required=False, allow_blank=True)
    web_source = serializers.CharField(max_length=120, required=False, allow_blank=True)
    campaign_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    status = serializers.CharField(max_length=60, required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False)
    do_not_call = serializers.BooleanField(required=False)
    priority = serializers.IntegerField(required=False, min_value=-1000, max_value=1000)
    score = serializers.FloatField(required=False)
    segment = serializers.CharField(max_length=40, required=False, allow_blank=True)
    converted = serializers.BooleanField(required=False)


class LeadBulkSerializer(serializers.Serializer):
    leads = LeadBulkRowSerializer(many=True, allow_empty=False, max_length=5000)


class LeadBulkResultSerializer(serializers.Serializer):
    """What a bulk upsert did: how many leads it created, updated and left unchanged."""

    created = serializers.IntegerField(min_value=0)
    updated = serializers.IntegerField(min_value=0)
    unchanged = serializers.IntegerField(min_value=0)


class DistributionConfigSerializer(serializers.ModelSerializer):
    class Meta:
        model = DistributionConfig
        fields = ["id", "name", "document", "version", "active", "state", "created_at", "updated_at"]
        read_only_fields = ["id", "version", "state", "created_at", "updated_at"]


class DistributionRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = DistributionRun
        fields = [
            "id",
            "config",
            "config_version",
            "config_name",
            "mode",
            "status",
            "run_on",
            "seed",
            "strategies",
            "counts",
            "reps",
            "exclusions",
            "unassigned",
            "job_run",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields  # a run is started with RunCreateSerializer, never written


class RunCreateSerializer(serializers.Serializer):
    config = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=RunMode.choices, default=RunMode.DRY_RUN)
    max_leads = serializers.IntegerField(required=False, min_value=1, allow_null=True)


class LeadAssignmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = LeadAssignment
        fields = ["id", "lead", "rep", "run", "strategy", "explanation", "created_at"]
        read_only_fields = fields  # assignments are made by runs only
