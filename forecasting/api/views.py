"""Forecasting API: deal scores (read, filterable), the forecast (read), model versions (read),
and training / scoring (POST → a JobRun, 202).

Scores are narrowed with the pages' scoped selector, so a rep reads their own deals' scores
and an id outside scope is a 404.
"""

from __future__ import annotations

import uuid

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from forecasting.api.serializers import (
    DealScoreSerializer,
    ForecastJobSerializer,
    ForecastSerializer,
    JobStartSerializer,
    ModelVersionSerializer,
    RollupSerializer,
)
from forecasting.filters import DealScoreFilterSet
from forecasting.models import DealScore, ModelVersion
from forecasting.permissions import ForecastCap
from forecasting.selectors.forecast import forecast_view
from forecasting.selectors.rollup import CallFigures, Figures, Rollup, forecast_rollup
from forecasting.selectors.scores import ARTIFACT, ARTIFACT_VIA_SCORE, score_scope
from forecasting.services.modelling import score_enqueue, train_enqueue
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps


class DealScoreViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Current scores of open deals (a rep: their own)."""

    model = DealScore
    serializer_class = DealScoreSerializer
    filterset_class = DealScoreFilterSet
    required_caps = crud_caps(read=ForecastCap.VIEW)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        scoped_rows = queryset & score_scope(membership=self.membership)
        return (
            scoped_rows.select_related("opportunity", "model_version")
            .defer(*ARTIFACT_VIA_SCORE)
            .order_by("-risk", "-id")
        )


class ModelVersionViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The organization's win models, newest first (metrics only; no artifact)."""

    model = ModelVersion
    serializer_class = ModelVersionSerializer
    required_caps = crud_caps(read=ForecastCap.VIEW)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.defer(*ARTIFACT).order_by("-number")


class ForecastApi(OrganizationScopedViewSetMixin, APIView):
    """The latest forecast as the member may see it: per period (organization scope) or the
    quarter of their team or own deals."""

    required_caps = {"get": ForecastCap.VIEW}

    @extend_schema(responses=ForecastSerializer)
    def get(self, request) -> Response:
        view = forecast_view(membership=request.membership)
        snapshot = view.snapshot
        return Response(
            {
                "as_of": snapshot.as_of if snapshot else None,
                "model": snapshot.model_label if snapshot else None,
                "simulations": snapshot.sims if snapshot else None,
                "scope": str(view.scope),
                "quarter": view.quarter.label,
                "periods": [{k: v for k, v in p.items() if k != "percentiles"} for p in view.periods],
                "mine": {k: v for k, v in view.mine.items() if k != "percentiles"} if view.mine else None,
                "velocity": snapshot.velocity if snapshot and view.periods else None,
                "rollup": _rollup_data(forecast_rollup(membership=request.membership, period=view.quarter)),
            }
        )


def _call_data(figures) -> dict | None:
    if figures is None:
        return None
    return {"commit": figures.commit, "best_case": figures.best_case, "pipeline": figures.pipeline}


def _quota_data(f: Figures | None) -> dict | None:
    if f is None:
        return None
    return {
        "won": f.won,
        "open_pipeline": f.pipeline,
        "quota": f.quota,
        "attainment": f.attainment,
        "coverage": f.coverage,
    }


def _rollup_data(rollup: Rollup) -> dict:
    return RollupSerializer(
        {
            "quota_source": rollup.quota_source,
            "rows": [
                {
                    "member": n.membership.pk,
                    "manager": n.membership.manager_id,
                    "name": n.name,
                    "level": n.depth,
                    "call": _call_data(
                        n.call and CallFigures(n.call.effective_commit, n.call.best_case, n.call.pipeline)
                    ),
                    "rollup": _call_data(n.rollup),
                    "team": _quota_data(n.team),
                    "missing": n.missing,
                }
                for n in rollup.rows
            ],
            "organization": _quota_data(rollup.organization),
            "organization_call": _call_data(rollup.organization_call),
        }
    ).data


class _JobStartApi(OrganizationScopedViewSetMixin, APIView):
    required_caps = {"post": ForecastCap.TRAIN}
    enqueue = staticmethod(train_enqueue)
    prefix = ""

    @extend_schema(
        request=JobStartSerializer, responses={202: ForecastJobSerializer, 200: ForecastJobSerializer}
    )
    def post(self, request) -> Response:
        form = JobStartSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        key = form.validated_data.get("idempotency_key") or uuid.uuid4().hex
        job, created = self.enqueue(
            organization=request.organization, actor=request.user, key=f"{self.prefix}:{key}"
        )
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(ForecastJobSerializer(job, context={"request": request}).data, status=code)


class TrainApi(_JobStartApi):
    """Train the win model in the background (then scoring is queued)."""

    enqueue = staticmethod(train_enqueue)
    prefix = "api-train"


class ScoreApi(_JobStartApi):
    """Score the open deals in the background with the active model."""

    enqueue = staticmethod(score_enqueue)
    prefix = "api-score"
