"""Marketing API: bulk creation of touchpoints (idempotent by external id)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution.marketing.api.serializers import TouchBulkInputSerializer, TouchBulkOutputSerializer
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.services.touches import TouchInput, touches_bulk_create
from revops.api.base import OrganizationScopedViewSetMixin


class TouchpointBulkCreateApi(OrganizationScopedViewSetMixin, APIView):
    """Create touches; a known external id is left unchanged, one bad row refuses the batch."""

    required_caps = {"post": MarketingCap.IMPORT}

    @extend_schema(request=TouchBulkInputSerializer, responses=TouchBulkOutputSerializer)
    def post(self, request) -> Response:
        form = TouchBulkInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        touches = [TouchInput(**row) for row in form.validated_data.get("touches", [])]
        try:
            result = touches_bulk_create(
                organization=request.organization, actor=request.user, touches=touches
            )
        except ValidationError as exc:
            raise exceptions.ValidationError({"touches": exc.messages}) from None
        return Response(TouchBulkOutputSerializer(result).data)
