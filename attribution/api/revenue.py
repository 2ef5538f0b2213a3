"""Revenue events over the API: list and filter; POST a list to add many (all or nothing)."""

from __future__ import annotations

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from attribution.api.serializers import RevenueEventSerializer
from attribution.filters import RevenueEventFilterSet
from attribution.models import RevenueEvent
from attribution.permissions import AttributionCap
from attribution.selectors.visible import revenue_event_list
from attribution.services.revenue import IMPORT_KIND
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.imports.profiles import NumberFormat, ProfileSpec
from revops.models import JobRun
from revops.services.imports import Mode, import_job_run, import_submit

NOTHING_CREATED = "Nothing was created: {n} error(s)."
TOO_MANY = "Send at most {n} revenue events per request; larger files go through the file import."
# The list is read like a file with these columns; amounts as JSON numbers or "1234.56" strings.
API_PROFILE = ProfileSpec(format="json", number=NumberFormat(thousands=""), constants={"source": "api"})
# One request stays one short transaction; the CSV import command handles bulk back-fills.
MAX_ITEMS = 1000


class RevenueImportItemSerializer(serializers.Serializer):
    """One item of a bulk import: the revenue-event file's columns (docs only; the import validates)."""

    external_id = serializers.CharField(max_length=64)
    date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    opportunity_external_id = serializers.CharField(required=False)
    account_external_id = serializers.CharField(required=False)


class RevenueBulkResultSerializer(serializers.Serializer):
    job = serializers.IntegerField(help_text="The import job that recorded this request.")
    created = serializers.IntegerField()
    existing = serializers.IntegerField(help_text="Items whose external id was already imported.")
    posted_entries = serializers.IntegerField(help_text="Ledger entries posted for the new events.")


class RevenueBulkErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = serializers.ListField(child=serializers.CharField())
    job = serializers.IntegerField()


class RevenueEventViewSet(
    OrganizationScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Revenue events; POST a list to add many at once (all or nothing, idempotent by external id)."""

    model = RevenueEvent
    serializer_class = RevenueEventSerializer
    filterset_class = RevenueEventFilterSet
    required_caps = {**crud_caps(read=AttributionCap.VIEW), "create": AttributionCap.EDIT}
    ordering_fields = ["date", "amount", "created_at"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        # revenue_event_list applies the same role scope as the pages; `&` keeps this a narrowing.
        return queryset & revenue_event_list(membership=self.membership)

    @extend_schema(
        request=RevenueImportItemSerializer(many=True),
        responses={
            201: RevenueBulkResultSerializer,
            200: OpenApiResponse(RevenueBulkResultSerializer, description="Every item already existed."),
            400: RevenueBulkErrorSerializer,
        },
    )
    def create(self, request, *args, **kwargs) -> Response:
        """Import a list of revenue events (the file's columns as keys) and post them, all or nothing.

        The list goes through the same import as a file (`revenue_events` kind): the same
        checks, errors ("line N, field: problem", item i being line i + 2 as in a file with a
        header) and audit row. External ids already imported are reported as existing.
        """
        if not isinstance(request.data, list):
            raise exceptions.ValidationError({"non_field_errors": ["Send a list of revenue events."]})
        if len(request.data) > MAX_ITEMS:
            raise exceptions.ValidationError({"non_field_errors": [TOO_MANY.format(n=MAX_ITEMS)]})
        job, _ = import_submit(
            organization=request.membership.organization,
            actor=request.user,
            kind_name=IMPORT_KIND,
            content=json.dumps(request.data, cls=DjangoJSONEncoder).encode(),
            filename="api",
            spec=API_PROFILE,
            mode=Mode.APPLY,
            # Each request is its own run (MAX_ITEMS keeps it short); rows dedupe by external id.
            run_key=uuid.uuid4().hex,
        )
        job = import_job_run(job_run_id=job.pk)
        if job.status != JobRun.Status.SUCCEEDED:
            errors = job.error.splitlines()
            body = {"detail": NOTHING_CREATED.format(n=len(errors)), "errors": errors, "job": job.pk}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        payload = {
            "job": job.pk,
            "created": job.counts.get("create", 0),
            "existing": job.counts.get("unchanged", 0),
            "posted_entries": job.counts.get("posted_entries", 0),
        }
        code = status.HTTP_201_CREATED if payload["created"] else status.HTTP_200_OK
        return Response(RevenueBulkResultSerializer(payload).data, status=code)
