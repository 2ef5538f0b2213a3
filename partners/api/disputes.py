"""Partners API: disputes — list, read (with the thread), open, comment, resolve.

Rows come from the same scoped selector as the pages (`dispute_list`): a partner user or a
partner user's token sees their partner's disputes (their own without the partner-manager
grant), never an internal note; an id outside scope is a 404. Writes call the dispute
services.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from partners.api.dispute_serializers import (
    DisputeCommentInputSerializer,
    DisputeOpenInputSerializer,
    DisputeResolveInputSerializer,
    PartnerDisputeDetailSerializer,
    PartnerDisputeSerializer,
)
from partners.api.permissions import HasPartnerApiCapability
from partners.filters import PartnerDisputeFilterSet
from partners.models import PartnerDispute
from partners.permissions import PartnerCap
from partners.selectors.disputes import dispute_list, dispute_thread
from partners.services.disputes import dispute_comment, dispute_open, dispute_open_from_entry, dispute_resolve
from revops.api.base import OrganizationScopedViewSetMixin


def _permissions() -> list[BasePermission]:
    return [IsAuthenticated(), HasPartnerApiCapability()]


class PartnerDisputeViewSet(
    OrganizationScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Partner disputes. `create` opens one (partner users on their partner's deals or statement
    lines; reps and managers on deals they see, naming the partner); `comment` adds to the
    thread (`internal` notes for internal members only); `resolve` accepts or rejects
    (approvers; never one's own dispute; a reason is required to reject)."""

    model = PartnerDispute
    serializer_class = PartnerDisputeSerializer
    filterset_class = PartnerDisputeFilterSet
    required_caps = {
        "list": PartnerCap.DISPUTE_VIEW,
        "retrieve": PartnerCap.DISPUTE_VIEW,
        "create": PartnerCap.DISPUTE_OPEN,
        "comment": PartnerCap.DISPUTE_VIEW,
        "resolve": PartnerCap.APPROVE,
    }
    ordering_fields = ["due_at", "created_at"]
    # Partner users reach these endpoints without general API access (HasPartnerApiCapability).
    dangerously_get_permissions = staticmethod(_permissions)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return (queryset & dispute_list(membership=self.membership)).order_by("due_at", "id")

    def _detail(self, dispute_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        dispute = self.get_queryset().get(pk=dispute_id)
        thread = dispute_thread(membership=self.membership, dispute=dispute)
        return Response(
            PartnerDisputeDetailSerializer(dispute, context={"thread": thread}).data, status=status_code
        )

    @extend_schema(responses=PartnerDisputeDetailSerializer)
    def retrieve(self, request, *args, **kwargs) -> Response:
        return self._detail(self.get_object().pk)

    @extend_schema(request=DisputeOpenInputSerializer, responses={201: PartnerDisputeDetailSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        data = DisputeOpenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            if values.get("entry"):
                dispute = dispute_open_from_entry(
                    membership=self.membership,
                    entry_id=values["entry"],
                    claim=values["claim"],
                    proposed_split_percent=values["proposed_split_percent"],
                )
            else:
                dispute = dispute_open(
                    membership=self.membership,
                    opportunity_id=values["opportunity"],
                    partner_id=values.get("partner"),
                    claim=values["claim"],
                    proposed_split_percent=values["proposed_split_percent"],
                )
        except ObjectDoesNotExist as exc:
            raise exceptions.NotFound from exc
        return self._detail(dispute.pk, status.HTTP_201_CREATED)

    @extend_schema(request=DisputeCommentInputSerializer, responses=PartnerDisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def comment(self, request, pk=None, **kwargs) -> Response:
        """Add a comment to the thread, or (internal members) an internal note."""
        dispute = self.get_object()
        data = DisputeCommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute_comment(
            membership=self.membership,
            dispute_id=dispute.pk,
            body=data.validated_data["body"],
            internal=data.validated_data["internal"],
        )
        return self._detail(dispute.pk)

    @extend_schema(request=DisputeResolveInputSerializer, responses=PartnerDisputeDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None, **kwargs) -> Response:
        """Accept (the split and the ledger change) or reject (with a reason)."""
        dispute = self.get_object()
        data = DisputeResolveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        dispute_resolve(
            membership=self.membership,
            dispute_id=dispute.pk,
            accept=data.validated_data["accept"],
            reason=data.validated_data["reason"],
        )
        return self._detail(dispute.pk)
