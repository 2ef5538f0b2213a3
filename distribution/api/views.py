"""Distribution API: leads (CRUD, bulk upsert by external id), configurations (CRUD, validated),
runs (create → JobRun; read) and assignments (read, filterable).

Every view inherits `OrganizationScopedViewSetMixin`; leads and assignments are narrowed with
the pages' scoped selectors (a rep: their own), so an id outside scope is a 404.
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from distribution.api.serializers import (
    DistributionConfigSerializer,
    DistributionRunSerializer,
    LeadAssignmentSerializer,
    LeadBulkResultSerializer,
    LeadBulkSerializer,
    LeadSerializer,
    RunCreateSerializer,
)
from distribution.filters import DistributionRunFilterSet, LeadAssignmentFilterSet, LeadFilterSet
from distribution.models import DistributionConfig, DistributionRun, Lead, LeadAssignment, RunMode
from distribution.permissions import DistributionCap
from distribution.selectors.leads import assignment_scope, lead_scope
from distribution.services.configs import config_create, config_update
from distribution.services.jobs import distribution_run_enqueue
from distribution.services.leads import campaign_resolve, leads_bulk_upsert
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.services.crm import record_create, record_delete, record_update


def _lead_data(organization, data: dict) -> dict:
    data = dict(data)
    campaign = data.pop("campaign", None)
    if campaign is not None:
        data["campaign"] = campaign_resolve(organization=organization, name=campaign.get("name", ""))
    return data


class LeadViewSet(OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
    """Leads (a rep: the leads they own). `POST bulk/` creates or updates many by external id."""

    model = Lead
    serializer_class = LeadSerializer
    filterset_class = LeadFilterSet
    required_caps = crud_caps(read=DistributionCap.VIEW, edit=DistributionCap.LEAD_EDIT) | {
        "bulk": DistributionCap.LEAD_EDIT
    }
    ordering_fields = ["received_at", "priority", "score", "created_at"]
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return (
            (queryset & lead_scope(membership=self.membership))
            .select_related("campaign")
            .order_by("-received_at", "-id")
        )

    def perform_create(self, serializer) -> None:
        org = self.request.organization
        serializer.instance = record_create(
            model=Lead,
            organization=org,
            actor=self.request.user,
            data=_lead_data(org, serializer.validated_data),
        )

    def perform_update(self, serializer) -> None:
        org = self.request.organization
        serializer.instance = record_update(
            instance=serializer.instance,
            actor=self.request.user,
            data=_lead_data(org, serializer.validated_data),
        )

    def perform_destroy(self, instance: Lead) -> None:
        record_delete(instance=instance, actor=self.request.user)

    @extend_schema(request=LeadBulkSerializer, responses=LeadBulkResultSerializer)
    @action(detail=False, methods=["post"], serializer_class=LeadBulkSerializer)
    def bulk(self, request, *args, **kwargs):
        """Create or update up to 5,000 leads by external id; all or nothing; repeating changes nothing."""
        serializer = LeadBulkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counts = leads_bulk_upsert(
            organization=request.organization,
            rows=serializer.validated_data["leads"],
            acting_user=request.user,
        )
        return Response(counts, status=status.HTTP_200_OK)


class DistributionConfigViewSet(
    OrganizationScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Configurations; a save is validated (errors name the key's path) and makes a new version."""

    model = DistributionConfig
    serializer_class = DistributionConfigSerializer
    required_caps = crud_caps(read=DistributionCap.RUN, edit=DistributionCap.CONFIG_EDIT)
    http_method_names = ["get", "post", "put", "patch", "head"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.order_by("name")

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = config_create(
            organization=self.request.organization,
            name=data["name"],
            document=data["document"],
            active=data.get("active", True),
            acting_user=self.request.user,
        )

    def perform_update(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = config_update(
            config=serializer.instance,
            document=data.get("document", serializer.instance.document),
            active=data.get("active"),
            acting_user=self.request.user,
        )


class DistributionRunViewSet(
    OrganizationScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Runs (read); `POST` queues a dry run or an applied run of a configuration as a JobRun (202)."""

    model = DistributionRun
    serializer_class = DistributionRunSerializer
    filterset_class = DistributionRunFilterSet
    required_caps = crud_caps(read=DistributionCap.RUN) | {"create": DistributionCap.RUN}
    http_method_names = ["get", "post", "head"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.order_by("-created_at", "-id")

    @extend_schema(
        request=RunCreateSerializer,
        responses={202: OpenApiResponse(description="The run's job: `{job_run, status}`.")},
    )
    def create(self, request, *args, **kwargs):
        serializer = RunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        config = DistributionConfig.objects.filter(
            organization=request.organization, pk=data["config"]
        ).first()
        if config is None:
            return Response({"config": ["No such configuration."]}, status=status.HTTP_400_BAD_REQUEST)
        job, _ = distribution_run_enqueue(
            organization=request.organization,
            config=config,
            dry_run=data["mode"] == RunMode.DRY_RUN,
            max_leads=data.get("max_leads"),
            acting_user=request.user,
        )
        return Response({"job_run": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)


class LeadAssignmentViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Assignments with their explanation (a rep: their own); filter by rep, run, lead, strategy."""

    model = LeadAssignment
    serializer_class = LeadAssignmentSerializer
    filterset_class = LeadAssignmentFilterSet
    required_caps = crud_caps(read=DistributionCap.VIEW)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return (queryset & assignment_scope(membership=self.membership)).order_by("-created_at", "-id")
