"""Marketing API: bulk creation of touchpoints (idempotent by external id), and reads: runs,
a run's credit per channel, the model comparison, the journeys, path sets (and their rows), and
configuration schedules (created and changed by those who may run configurations).

Runs, channel credit and the comparison are organization-wide figures (`marketing.view`:
admin, managers, finance); journeys (`marketing.journeys`) are narrowed like the pages, so a
rep reads journeys of their own accounts' deals and any other journey is a 404.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution.marketing.api.serializers import (
    ChannelCreditSerializer,
    ComparisonSerializer,
    ConfigScheduleSerializer,
    JourneyDetailSerializer,
    JourneyListSerializer,
    PathRowSerializer,
    PathSetSerializer,
    RunSerializer,
    TouchBulkInputSerializer,
    TouchBulkOutputSerializer,
)
from attribution.marketing.filters import ConfigScheduleFilterSet
from attribution.marketing.models import AttributionRun, ChannelResult, ConfigSchedule, PathSet
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.paths import ROW_SORTS, path_row_list, with_figures
from attribution.marketing.selectors.results import (
    journey_detail,
    journey_list,
    model_comparison,
    reporting_run,
)
from attribution.marketing.selectors.schedules import with_last_run
from attribution.marketing.services.schedules import config_schedule_set
from attribution.marketing.services.touches import TouchInput, touches_bulk_create
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.api.pagination import LimitOffsetPagination
from revops.selectors.periods import organization_today

ERROR_SCHEDULED = "{name!r} already has a schedule; update that one."
ERROR_RENAME = "A schedule belongs to its configuration; create one for the other configuration."


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
    @action(detail=True, methods=["get"], pagination_class=None)
    def channels(self, request, pk=None, **kwargs) -> Response:
        run = self.get_object()
        rows = (
            ChannelResult.objects.filter(run=run)
            .select_related("channel")
            .order_by("-value", "channel__name")
        )
        return Response(ChannelCreditSerializer(rows, many=True).data)


class PathSetViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Imported path sets with their totals and run counts; `rows` lists one set's paths."""

    model = PathSet
    serializer_class = PathSetSerializer
    pagination_class = LimitOffsetPagination
    required_caps = crud_caps(read=MarketingCap.VIEW) | {"rows": MarketingCap.VIEW}

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return with_figures(queryset).order_by("name", "pk")

    @extend_schema(
        responses=PathRowSerializer(many=True),
        parameters=[
            OpenApiParameter("channel", str, description="Only paths holding this channel (a whole step)"),
            OpenApiParameter("sort", str, enum=sorted([*ROW_SORTS, *(f"-{k}" for k in ROW_SORTS)])),
        ],
    )
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None, **kwargs) -> Response:
        path_set = self.get_object()
        filterset, rows = path_row_list(
            path_set=path_set, filters=request.query_params, sort=request.query_params.get("sort", "")
        )
        if not filterset.is_valid():
            raise exceptions.ValidationError(filterset.errors)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PathRowSerializer(page, many=True).data)


class ConfigScheduleViewSet(
    OrganizationScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Schedules of model configurations: read with the marketing pages, written by those who
    may run configurations (through the same service as the pages)."""

    model = ConfigSchedule
    serializer_class = ConfigScheduleSerializer
    pagination_class = LimitOffsetPagination
    filterset_class = ConfigScheduleFilterSet
    required_caps = crud_caps(read=MarketingCap.VIEW, edit=MarketingCap.RUN)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return with_last_run(queryset)

    def get_serializer_context(self) -> dict:
        return super().get_serializer_context() | {"today": organization_today(self.request.organization)}

    def _saved(self, config_name: str, data: dict) -> ConfigSchedule:
        schedule = config_schedule_set(
            organization=self.request.organization,
            actor=self.request.user,
            config_name=config_name,
            frequency=data["frequency"],
            window_days=data["window_days"],
            enabled=data["enabled"],
        )
        return self.get_queryset().get(pk=schedule.pk)

    def perform_create(self, serializer) -> None:
        name = serializer.validated_data["config_name"]
        if ConfigSchedule.objects.filter(organization=self.request.organization, config_name=name).exists():
            raise exceptions.ValidationError({"config_name": [ERROR_SCHEDULED.format(name=name)]})
        serializer.instance = self._saved(name, serializer.validated_data)

    def perform_update(self, serializer) -> None:
        schedule = serializer.instance
        name = serializer.validated_data.get("config_name", schedule.config_name)
        if name != schedule.config_name:
            raise exceptions.ValidationError({"config_name": [ERROR_RENAME]})
        current = {
            "frequency": schedule.frequency,
            "window_days": schedule.window_days,
            "enabled": schedule.enabled,
        }
        given = {k: v for k, v in serializer.validated_data.items() if k in current}
        serializer.instance = self._saved(schedule.config_name, current | given)


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
