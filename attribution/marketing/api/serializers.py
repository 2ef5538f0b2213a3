"""Marketing API input and output."""

from __future__ import annotations

from rest_framework import serializers

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
