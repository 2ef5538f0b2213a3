"""Partners API: touchpoints and split-change requests.

- `/api/v1/partners/portal/touchpoints/` is for partner users (audience "portal"; everyone
  else gets 404): list and read their touchpoints (their own, or with the partner-manager
  grant their partner's) and report one through the portal's form and service
  (`touchpoint_submit`: same validation, routing, audit).
- `/api/v1/partners/touchpoints/` and `/api/v1/partners/split-changes/` are for internal
  readers and approvers (partner users get 404): list and read, and approve or reject the
  current step through the approval engine (segregation of duties, reason on reject, one
  outcome under concurrency).
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.api.serializers import RejectSerializer, reject_reason
from partners.api.touchpoint_serializers import (
    PortalTouchpointSerializer,
    SplitChangeSerializer,
    TouchpointCreateSerializer,
    TouchpointSerializer,
)
from partners.forms import TouchpointForm
from partners.models import ApprovalKind, ApprovalStatus, PartnerTouchpoint, SplitChangeRequest
from partners.permissions import PartnerCap
from partners.selectors.touchpoints import (
    split_change_list,
    touchpoint_accounts,
    touchpoint_deals,
    touchpoint_list,
)
from partners.services.decisions import approval_decide
from partners.services.touchpoints import TouchpointInput, touchpoint_submit
from revops.api.base import Audience, OrganizationScopedViewSetMixin, crud_caps
from revops.models import Account, Opportunity


def _status(rows: models.QuerySet, request) -> models.QuerySet:
    wanted = request.query_params.get("status", "")
    return rows.filter(status=wanted) if wanted in ApprovalStatus.values else rows


class _TouchpointScope(OrganizationScopedViewSetMixin):
    model = PartnerTouchpoint

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        rows = queryset & touchpoint_list(membership=self.membership)
        return _status(rows, self.request).select_related("partner", "account", "opportunity", "submitted_by")


class PortalTouchpointViewSet(_TouchpointScope, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A partner's touchpoints (filter: `?status=`); POST reports a new activity."""

    audience = Audience.PORTAL
    serializer_class = PortalTouchpointSerializer
    required_caps = {**crud_caps(read=PartnerCap.REGISTRATION_VIEW), "create": PartnerCap.REGISTRATION_SUBMIT}

    @extend_schema(request=TouchpointCreateSerializer, responses={201: PortalTouchpointSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        membership = request.membership
        form = TouchpointForm(
            request.data,
            accounts=touchpoint_accounts(membership=membership),
            deals=touchpoint_deals(membership=membership),
        )
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        data = form.cleaned_data
        try:
            touchpoint = touchpoint_submit(
                membership=membership,
                data=TouchpointInput(
                    account=data["account"],
                    opportunity=data.get("opportunity"),
                    activity_type=data["activity_type"],
                    occurred_on=data["occurred_on"],
                    description=data["description"],
                ),
            )
        except (Account.DoesNotExist, Opportunity.DoesNotExist) as exc:
            raise exceptions.ValidationError({"account": ["Choose one of your accounts."]}) from exc
        body = self.get_serializer(self.get_queryset().get(pk=touchpoint.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class _DecideMixin:
    kind: str

    def _decide(self, *, approve: bool, reason: str) -> Response:
        subject = self.get_object()  # type: ignore[attr-defined]
        approval_decide(
            kind=self.kind,
            membership=self.request.membership,  # type: ignore[attr-defined]
            pk=subject.pk,
            approve=approve,
            reason=reason,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=subject.pk)).data)  # type: ignore[attr-defined]


class TouchpointViewSet(_DecideMixin, _TouchpointScope, viewsets.ReadOnlyModelViewSet):
    """The organization's partner touchpoints (filter: `?status=`); `approve` / `reject` decide
    the current step as the token's user."""

    kind = ApprovalKind.TOUCHPOINT
    audience = Audience.INTERNAL_ONLY
    serializer_class = TouchpointSerializer
    required_caps = {
        **crud_caps(read=PartnerCap.REGISTRATION_VIEW),
        "approve": PartnerCap.APPROVE,
        "reject": PartnerCap.APPROVE,
    }

    @extend_schema(request=None, responses=TouchpointSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs) -> Response:
        """Approve the current step (the last approval gives the partner influence credit)."""
        return self._decide(approve=True, reason="")

    @extend_schema(request=RejectSerializer, responses=TouchpointSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, **kwargs) -> Response:
        """Reject the current step; `reason` is required and is sent to the partner."""
        return self._decide(approve=False, reason=reject_reason(request.data))


class SplitChangeViewSet(_DecideMixin, OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Split changes waiting for (or past) approval (filter: `?status=`); `approve` applies the
    change through the link service, `reject` (reason required) leaves the split."""

    kind = ApprovalKind.SPLIT_CHANGE
    model = SplitChangeRequest
    audience = Audience.INTERNAL_ONLY
    serializer_class = SplitChangeSerializer
    required_caps = {
        **crud_caps(read=PartnerCap.REGISTRATION_VIEW),
        "approve": PartnerCap.APPROVE,
        "reject": PartnerCap.APPROVE,
    }

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return _status(queryset & split_change_list(membership=self.membership), self.request)

    @extend_schema(request=None, responses=SplitChangeSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs) -> Response:
        """Approve the current step (the last approval applies the split change)."""
        return self._decide(approve=True, reason="")

    @extend_schema(request=RejectSerializer, responses=SplitChangeSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, **kwargs) -> Response:
        """Reject the current step; `reason` is required and is sent to the requester."""
        return self._decide(approve=False, reason=reject_reason(request.data))
