"""Partners API: deal registrations.

- `/api/v1/partners/portal/registrations/` is for partner users (audience "portal"; every
  other member gets 404): list and read the registrations the portal shows them (their own,
  or with the partner-manager grant their partner's) and create one through the same form
  and service as the portal page (`registration_submit`: same validation, conflict check,
  approval chain, audit).
- `/api/v1/partners/registrations/` is for internal readers and approvers (partner users get
  404): list and read the organization's registrations, and approve or reject the current
  step through `registration_decide` (segregation of duties, reason on reject, one outcome
  under concurrency).

Rows come from `partners.selectors.registrations.registration_list`, the portal's and the
queue's scope, so an id outside it is a 404. Errors have the API's usual bodies (field errors
→ 400 `{field: [..]}`, refused transitions → 400 `{"non_field_errors": [..]}`).
"""

from __future__ import annotations

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.api.serializers import (
    PortalRegistrationSerializer,
    RegistrationCreateSerializer,
    RegistrationSerializer,
    RejectSerializer,
    reject_reason,
)
from partners.forms import RegistrationForm
from partners.models import DealRegistration, RegistrationStatus
from partners.permissions import PartnerCap
from partners.selectors.registrations import registration_list
from partners.services.approvals import registration_decide
from partners.services.registrations import RegistrationInput, registration_submit
from revops.api.base import Audience, OrganizationScopedViewSetMixin, crud_caps


class _RegistrationScope(OrganizationScopedViewSetMixin):
    model = DealRegistration

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        rows = queryset & registration_list(membership=self.membership)
        status_filter = self.request.query_params.get("status", "")
        if status_filter in RegistrationStatus.values:
            rows = rows.filter(status=status_filter)
        return rows.select_related("partner", "product_line", "submitted_by").order_by("-created_at", "-id")


class PortalRegistrationViewSet(_RegistrationScope, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """A partner's deal registrations (filter: `?status=`); POST registers a new deal."""

    audience = Audience.PORTAL
    serializer_class = PortalRegistrationSerializer
    required_caps = {
        **crud_caps(read=PartnerCap.REGISTRATION_VIEW),
        "create": PartnerCap.REGISTRATION_SUBMIT,
    }

    @extend_schema(request=RegistrationCreateSerializer, responses={201: PortalRegistrationSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        form = RegistrationForm(request.data, organization=request.membership.organization)
        if not form.is_valid():
            raise exceptions.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        data = {k: v for k, v in form.cleaned_data.items() if k != "attachments"}
        registration = registration_submit(membership=request.membership, data=RegistrationInput(**data))
        body = self.get_serializer(self.get_queryset().get(pk=registration.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


class RegistrationViewSet(_RegistrationScope, viewsets.ReadOnlyModelViewSet):
    """The organization's deal registrations in the reader's scope (filter: `?status=`).

    `approve` and `reject` decide the current approval step as the token's user.
    """

    audience = Audience.INTERNAL_ONLY
    serializer_class = RegistrationSerializer
    required_caps = {
        **crud_caps(read=PartnerCap.REGISTRATION_VIEW),
        "approve": PartnerCap.APPROVE,
        "reject": PartnerCap.APPROVE,
    }

    def _decide(self, *, approve: bool, reason: str) -> Response:
        registration = self.get_object()
        registration_decide(
            membership=self.request.membership,
            registration_id=registration.pk,
            approve=approve,
            reason=reason,
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=registration.pk)).data)

    @extend_schema(request=None, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs) -> Response:
        """Approve the current step (the last approval links the deal and credits the partner)."""
        return self._decide(approve=True, reason="")

    @extend_schema(request=RejectSerializer, responses=RegistrationSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None, **kwargs) -> Response:
        """Reject the current step; `reason` is required and is sent to the partner."""
        return self._decide(approve=False, reason=reject_reason(request.data))
