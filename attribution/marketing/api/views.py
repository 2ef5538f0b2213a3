"""Marketing API: bulk creation of touchpoints (idempotent by external id), and reads: runs,
a run's credit per channel, the model comparison and the journeys.

Runs, channel credit and the comparison are organization-wide figures (`marketing.view`:
admin, managers, finance); journeys (`marketing.journeys`) are narrowed like the pages, so a
rep reads journeys of their own accounts' deals and any other journey is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution.marketing.api.serializers import (
    ChannelCreditSerializer,
    ComparisonSerializer,
    JourneyDetailSerializer,
    JourneyListSerializer,
    RunSerializer,
    TouchBulkInputSerializer,
    TouchBulkOutputSerializer,
)
from attribution.marketing.models import AttributionRun, ChannelResult
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.results import (
    journey_detail,
    journey_list,
    model_comparison,
    reporting_run,
)
from attribution.marketing.services.touches import TouchInput, touches_bulk_create
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.api.pagination import LimitOffsetPagination


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


class RunViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Attribution runs, newest first; `channels` lists one run's credit per channel."""

    model = AttributionRun
    serializer_class = RunSerializer
    pagination_class = LimitOffsetPagination
    required_caps = crud_caps(read=MarketingCap.VIEW) | {"channels": MarketingCap.VIEW}

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("config").order_by("-created_at", "-id")

    @extend_schema(responses=ChannelCreditSerializer(many=True))
    @action(detail=True, methods=["get"])
    def channels(self, request, pk=None, **kwargs) -> Response:
        run = self.get_object()
        rows = (
            ChannelResult.objects.filter(run=run)
            .select_related("channel")
            .order_by("-value", "channel__name")
        )
        return Response(ChannelCreditSerializer(rows, many=True).data)


class ComparisonApi(OrganizationScopedViewSetMixin, APIView):
    """Every model's latest finished run side by side per channel, with the disagreement notes."""

    required_caps = {"get": MarketingCap.VIEW}

    @extend_schema(responses=ComparisonSerializer)
    def get(self, request) -> Response:
        comparison = model_comparison(organization=request.membership.organization)
        rows = [
            {
                "channel": row.channel,
                "models": [
                    {
                        "run": run.pk,
                        "model": run.model,
                        "conversions": cell.conversions,
                        "value": cell.value,
                        "share": cell.share,
                        "value_low": cell.low,
                        "value_high": cell.high,
                    }
                    for cell, run in zip(row.cells, comparison.runs, strict=True)
                    if cell is not None
                ],
                "note": row.note,
            }
            for row in comparison.rows
        ]
        data = {"runs": [run.pk for run in comparison.runs], "rows": rows, "notes": comparison.notes}
        return Response(ComparisonSerializer(data).data)


class JourneyListApi(OrganizationScopedViewSetMixin, APIView):
    """Converting journeys of the reporting run the caller may see (a rep: their own accounts' deals)."""

    required_caps = {"get": MarketingCap.JOURNEYS}

    @extend_schema(operation_id="marketing_journeys_list", responses=JourneyListSerializer)
    def get(self, request) -> Response:
        run = reporting_run(organization=request.membership.organization)
        journeys = journey_list(membership=request.membership, run=run)
        data = {"run": run.pk if run else None, "journeys": [j.__dict__ for j in journeys]}
        return Response(JourneyListSerializer(data).data)


class JourneyDetailApi(OrganizationScopedViewSetMixin, APIView):
    """One journey (by opportunity id): its touches with each model's share; 404 outside scope."""

    required_caps = {"get": MarketingCap.JOURNEYS}

    @extend_schema(operation_id="marketing_journey_retrieve", responses=JourneyDetailSerializer)
    def get(self, request, pk: int) -> Response:
        detail = journey_detail(membership=request.membership, opportunity_id=pk)
        data = {
            "opportunity_id": detail.opportunity.pk,
            "opportunity": detail.opportunity.name,
            "touches": [
                {
                    "touch_id": t.touch_id,
                    "occurred_at": t.occurred_at,
                    "channel": t.channel,
                    "campaign": t.campaign,
                    "contact": t.contact,
                    "shares": dict(zip(detail.labels, t.shares, strict=True)),
                }
                for t in detail.touches
            ],
        }
        return Response(JourneyDetailSerializer(data).data)
