"""Revenue events over the API: list and filter; POST a list to add many (all or nothing)."""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from attribution.api.filters import RevenueEventFilterSet
from attribution.api.serializers import (
    RevenueBulkErrorSerializer,
    RevenueBulkResultSerializer,
    RevenueEventInputSerializer,
    RevenueEventSerializer,
)
from attribution.models import RevenueEvent
from attribution.permissions import AttributionCap
from attribution.selectors import revenue_event_list
from attribution.services.api_support import revenue_events_create
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps

NOTHING_CREATED = "Nothing was created: {n} item(s) have errors."
TOO_MANY = "Send at most {n} revenue events per request; larger files go through the CSV import."
# One request stays one short transaction; the CSV import command handles bulk back-fills.
MAX_ITEMS = 1000


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
        request=RevenueEventInputSerializer(many=True),
        responses={
            201: RevenueBulkResultSerializer,
            200: OpenApiResponse(RevenueBulkResultSerializer, description="Every item already existed."),
            400: RevenueBulkErrorSerializer,
        },
    )
    def create(self, request, *args, **kwargs) -> Response:
        """Create revenue events and post them; re-sent external ids are reported as existing."""
        if not isinstance(request.data, list):
            raise exceptions.ValidationError({"non_field_errors": ["Send a list of revenue events."]})
        if len(request.data) > MAX_ITEMS:
            raise exceptions.ValidationError({"non_field_errors": [TOO_MANY.format(n=MAX_ITEMS)]})
        form = RevenueEventInputSerializer(data=request.data, many=True, context={"request": request})
        errors = [] if form.is_valid() else _item_errors(form.errors)
        if not errors:
            errors = _repeated_external_ids(form.validated_data)
        if errors:
            body = {"detail": NOTHING_CREATED.format(n=len({e["index"] for e in errors})), "errors": errors}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        result = revenue_events_create(
            membership=request.membership, items=form.validated_data, actor=request.user
        )
        payload = {
            "created": result.created,
            "existing": result.existing,
            "posted_entries": result.posting.entries if result.posting else 0,
        }
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(RevenueBulkResultSerializer(payload).data, status=code)


def _item_errors(errors) -> list[dict]:
    """A list serializer's errors (by position, as a list or a dict) as index/field/message."""
    by_index = errors.items() if isinstance(errors, dict) else enumerate(errors)
    out = []
    for index, item in sorted(by_index, key=lambda pair: pair[0]):
        for field, messages in (item or {}).items():
            for message in messages:
                out.append({"index": int(index), "field": field, "message": str(message)})
    return out


def _repeated_external_ids(items: list[dict]) -> list[dict]:
    first: dict[str, int] = {}
    out = []
    for index, item in enumerate(items):
        ext = item["external_id"]
        if ext in first:
            out.append({"index": index, "field": "external_id", "message": f"Repeats item {first[ext]}."})
        else:
            first[ext] = index
    return out
