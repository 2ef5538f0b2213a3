"""Core API: CRUD over accounts, partners, catalog and opportunities; history; tokens; me.

Every view inherits `OrganizationScopedViewSetMixin` (scoping and capabilities); writes go
through `revops.services`, serializers only validate input shape.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.api.serializers import (
    AccountSerializer,
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    FiscalPeriodSerializer,
    MeSerializer,
    OpportunitySerializer,
    PartnerSerializer,
    ProductLineSerializer,
    ProductSerializer,
    StageChangeSerializer,
)
from revops.api.versioning import VersionedViewMixin, versioned_schema
from revops.filters import (
    AccountFilterSet,
    FiscalPeriodFilterSet,
    OpportunityFilterSet,
    PartnerFilterSet,
    ProductFilterSet,
    ProductLineFilterSet,
    StageChangeFilterSet,
)
from revops.models import (
    Account,
    ApiToken,
    FiscalPeriod,
    Opportunity,
    OpportunityStageChange,
    OrganizationOwnedModel,
    Partner,
    Product,
    ProductLine,
)
from revops.permissions import ROLE_CAPABILITIES, Cap, has_cap
from revops.services.crm import (
    opportunity_create,
    opportunity_update,
    record_create,
    record_delete,
    record_update,
)
from revops.services.tokens import api_token_create, api_token_revoke


class RecordViewSet(VersionedViewMixin, OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
    """CRUD over an organization-owned row through the generic record services.

    Optimistic concurrency: a record's answers carry its version as `ETag`; a PUT or PATCH
    with `If-Match` is refused with 409 when the record was saved since (nothing written).
    Without If-Match the write goes through, unless API_REQUIRE_IF_MATCH makes it a 428.
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    model: ClassVar[type[OrganizationOwnedModel]]  # set by each subclass

    def retrieve(self, request, *args, **kwargs):
        self._answered = self.get_object()
        return Response(self.get_serializer(self._answered).data)

    def perform_create(self, serializer) -> None:
        serializer.instance = self._answered = record_create(
            model=self.model,
            organization=self.request.organization,
            actor=self.request.user,
            data=dict(serializer.validated_data),
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = self._answered = record_update(
            instance=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=self.if_match(),
        )

    def perform_destroy(self, instance: OrganizationOwnedModel) -> None:
        record_delete(instance=instance, actor=self.request.user)


@versioned_schema(AccountSerializer)
class AccountViewSet(RecordViewSet):
    model = Account
    serializer_class = AccountSerializer
    filterset_class = AccountFilterSet
    required_caps = crud_caps(read=Cap.ACCOUNT_VIEW, edit=Cap.ACCOUNT_EDIT)
    ordering_fields = ["name", "created_at", "segment", "region"]


@versioned_schema(PartnerSerializer)
class PartnerViewSet(RecordViewSet):
    model = Partner
    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    required_caps = crud_caps(read=Cap.PARTNER_VIEW, edit=Cap.PARTNER_EDIT)
    ordering_fields = ["name", "created_at", "tier", "status"]


@versioned_schema(ProductLineSerializer)
class ProductLineViewSet(RecordViewSet):
    model = ProductLine
    serializer_class = ProductLineSerializer
    filterset_class = ProductLineFilterSet
    required_caps = crud_caps(read=Cap.CATALOG_VIEW, edit=Cap.CATALOG_EDIT)
    ordering_fields = ["name", "code", "created_at"]


@versioned_schema(ProductSerializer)
class ProductViewSet(RecordViewSet):
    model = Product
    serializer_class = ProductSerializer
    filterset_class = ProductFilterSet
    required_caps = crud_caps(read=Cap.CATALOG_VIEW, edit=Cap.CATALOG_EDIT)
    ordering_fields = ["name", "sku", "list_price", "created_at"]


@versioned_schema(OpportunitySerializer)
class OpportunityViewSet(RecordViewSet):
    """Opportunities; a stage change through the API is recorded in the stage history."""

    model = Opportunity
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilterSet
    required_caps = crud_caps(read=Cap.OPPORTUNITY_VIEW, edit=Cap.OPPORTUNITY_EDIT)
    ordering_fields = ["created_date", "close_date", "expected_close_date", "amount", "name", "stage"]

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.setdefault("owner", self.request.user)
        serializer.instance = self._answered = opportunity_create(
            organization=self.request.organization, actor=self.request.user, data=data
        )

    def perform_update(self, serializer) -> None:
        serializer.instance = self._answered = opportunity_update(
            opportunity=serializer.instance,
            actor=self.request.user,
            data=dict(serializer.validated_data),
            expected_version=self.if_match(),
        )


class StageChangeViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Stage history of the opportunities the member may see."""

    model = OpportunityStageChange
    serializer_class = StageChangeSerializer
    filterset_class = StageChangeFilterSet
    required_caps = crud_caps(read=Cap.OPPORTUNITY_VIEW)
    ordering_fields = ["changed_at", "opportunity"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(opportunity__in=Opportunity.objects.visible_to(self.membership))


class FiscalPeriodViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    model = FiscalPeriod
    serializer_class = FiscalPeriodSerializer
    filterset_class = FiscalPeriodFilterSet
    required_caps = crud_caps(read=Cap.PERIOD_VIEW)
    ordering_fields = ["start_date"]


class ApiTokenViewSet(
    OrganizationScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's API tokens; org admins (token.manage_all) see and revoke every token."""

    model = ApiToken
    serializer_class = ApiTokenSerializer
    required_caps = {
        "list": Cap.TOKEN_MANAGE_OWN,
        "retrieve": Cap.TOKEN_MANAGE_OWN,
        "create": Cap.TOKEN_MANAGE_OWN,
        "revoke": Cap.TOKEN_MANAGE_OWN,
    }
    ordering_fields = ["created_at", "name"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        queryset = queryset.select_related("user")
        if has_cap(self.membership, Cap.TOKEN_MANAGE_ALL):
            return queryset
        return queryset.filter(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        """Create a token for the caller in the current organization; the key is returned once."""
        form = ApiTokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, key = api_token_create(
            organization=request.organization,
            user=request.user,
            name=form.validated_data["name"],
            acting_user=request.user,
        )
        token.key = key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None, **kwargs) -> Response:
        """Revoke a token; it stops authenticating at once. Revoking twice is a no-op."""
        token = api_token_revoke(token=self.get_object(), acting_user=request.user)
        return Response(ApiTokenSerializer(token).data)


class MeApi(OrganizationScopedViewSetMixin, APIView):
    """Who the caller is: user, organization, role and capabilities."""

    required_caps = {"get": Cap.API_ACCESS}

    @extend_schema(responses=MeSerializer)
    def get(self, request) -> Response:
        membership = request.membership
        caps = sorted(str(c) for c in ROLE_CAPABILITIES.get(membership.role, frozenset()))
        payload = {
            "user": request.user,
            "organization": membership.organization,
            "role": membership.role,
            "capabilities": caps,
            "token": request.auth.pk if isinstance(request.auth, ApiToken) else None,
        }
        return Response(MeSerializer(payload).data)
