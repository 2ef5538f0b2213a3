"""Partner-attribution API: partner links, the ledger, recompute, explanations, settings.

Rules live in `attribution.api.rules`, revenue events in `attribution.api.revenue`.

Every view inherits `OrganizationScopedViewSetMixin` (scoping, capabilities, error mapping).
Reads narrow rows to what the member may see; writes call attribution services.
"""

from __future__ import annotations

import uuid

from django.db import models
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution.api.serializers import (
    AccountPartnerSerializer,
    AccountPartnerUpdateSerializer,
    AttributionSettingsSerializer,
    JobRunSerializer,
    LedgerEntrySerializer,
    LedgerTotalsSerializer,
    LinkRemoveSerializer,
    OpportunityPartnerSerializer,
    OpportunityPartnerUpdateSerializer,
    PartnerExplanationSerializer,
    RecomputeSerializer,
    SplitQueuedSerializer,
)
from attribution.filters import (
    AccountPartnerFilterSet,
    AttributionEntryFilterSet,
    OpportunityPartnerFilterSet,
)
from attribution.models import (
    AccountPartner,
    AttributionEntry,
    OpportunityPartner,
)
from attribution.permissions import AttributionCap
from attribution.selectors.explanations import ledger_totals, opportunity_explanations
from attribution.selectors.visible import entry_list
from attribution.services.jobs import attribution_recompute_enqueue
from attribution.services.links import (
    account_partner_remove,
    account_partner_set,
    opportunity_partner_change,
    opportunity_partner_remove,
)
from attribution.services.settings import attribution_settings_get, attribution_settings_update
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.api.versioning import (
    ETAG,
    IF_MATCH,
    STALE_RESPONSES,
    VersionedViewMixin,
    versioned_schema,
)
from revops.models import Account, JobRun, Opportunity
from revops.permissions import Cap
from revops.providers import SplitReview

RECOMPUTE_KIND = "attribution.recompute"


class LinkViewSet(VersionedViewMixin, OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
    """Shared shape of the two partner-link resources (deal links, account shares).

    Optimistic concurrency as on the core records (revops.api.versioning): answers about one
    link carry its version as `ETag`; PUT, PATCH and DELETE with a stale `If-Match` are 409
    and change nothing (no link, audit row, ledger alignment or approval request).
    """

    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    update_serializer_class: type | None = None

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return self.update_serializer_class
        return self.serializer_class

    def _fields(self, serializer, instance=None) -> dict:
        data = dict(serializer.validated_data)
        if instance is None:
            data.setdefault("split_percent", None)
        else:
            for name in ("partner", "role", "split_percent", "source", "status"):
                data.setdefault(name, getattr(instance, name))
        # A PATCH skips required fields; the service refuses a change without a reason (400).
        data.setdefault("reason", "")
        return data

    def retrieve(self, request, *args, **kwargs) -> Response:
        self._answered = self.get_object()
        return Response(self.get_serializer(self._answered).data)

    @extend_schema(
        parameters=[OpenApiParameter("reason", str, required=True, description="Why."), IF_MATCH],
        responses={204: None, **STALE_RESPONSES},
    )
    def destroy(self, request, *args, **kwargs) -> Response:
        """Take the partner off (audited with the reason); their ledger share is reversed."""
        link = self.get_object()
        form = LinkRemoveSerializer(data={"reason": request.query_params.get("reason", "")})
        form.is_valid(raise_exception=True)
        self.remove(
            membership=request.membership,
            link=link,
            reason=form.validated_data["reason"],
            expected_version=self.if_match(),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class _Queued(Exception):
    """A split change went to the approval queue instead of applying (answered 202)."""

    def __init__(self, review: SplitReview) -> None:
        super().__init__(review.message)
        self.review = review


def _queued_response(review: SplitReview) -> Response:
    return Response(
        {"split_change_request": review.request_id, "detail": review.message}, status=status.HTTP_202_ACCEPTED
    )


LINK_WRITE_SCHEMA = extend_schema(
    parameters=[IF_MATCH, ETAG],
    responses={200: OpportunityPartnerSerializer, 202: SplitQueuedSerializer, **STALE_RESPONSES},
)


@extend_schema_view(retrieve=extend_schema(parameters=[ETAG]), partial_update=LINK_WRITE_SCHEMA)
class OpportunityPartnerViewSet(LinkViewSet):
    """Partners on deals. Every split change needs a reason, is audited and posted to the ledger."""

    model = OpportunityPartner
    serializer_class = OpportunityPartnerSerializer
    update_serializer_class = OpportunityPartnerUpdateSerializer
    filterset_class = OpportunityPartnerFilterSet
    required_caps = crud_caps(read=AttributionCap.VIEW, edit=AttributionCap.EDIT)
    ordering_fields = ["created_at", "opportunity", "partner"]
    remove = staticmethod(opportunity_partner_remove)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        visible = Opportunity.objects.visible_to(self.membership)
        return queryset.filter(opportunity__in=visible).select_related("partner")

    def _applied(self, outcome) -> OpportunityPartner:
        if isinstance(outcome, SplitReview):
            raise _Queued(outcome)
        return outcome

    @extend_schema(
        parameters=[ETAG], responses={201: OpportunityPartnerSerializer, 202: SplitQueuedSerializer}
    )
    def create(self, request, *args, **kwargs) -> Response:
        """Add a partner to a deal; a split above the organization's review size answers 202
        with the approval request that holds it (nothing changes until it is approved)."""
        try:
            return super().create(request, *args, **kwargs)
        except _Queued as queued:
            return _queued_response(queued.review)

    @LINK_WRITE_SCHEMA
    def update(self, request, *args, **kwargs) -> Response:
        """Change a partner's split; above the review size it answers 202 (see `create`)."""
        try:
            return super().update(request, *args, **kwargs)
        except _Queued as queued:
            return _queued_response(queued.review)

    def perform_create(self, serializer) -> None:
        data = self._fields(serializer)
        serializer.instance = self._answered = self._applied(
            opportunity_partner_change(membership=self.request.membership, **data)
        )

    def perform_update(self, serializer) -> None:
        link = serializer.instance
        data = self._fields(serializer, link)
        serializer.instance = self._answered = self._applied(
            opportunity_partner_change(
                membership=self.request.membership,
                opportunity=link.opportunity,
                expected_version=self.if_match(),
                **data,
            )
        )


@versioned_schema(AccountPartnerSerializer)
class AccountPartnerViewSet(LinkViewSet):
    """Partners' shares of accounts; an account's active shares never add up to over 100 %."""

    model = AccountPartner
    serializer_class = AccountPartnerSerializer
    update_serializer_class = AccountPartnerUpdateSerializer
    filterset_class = AccountPartnerFilterSet
    required_caps = crud_caps(read=AttributionCap.VIEW, edit=AttributionCap.EDIT)
    ordering_fields = ["created_at", "account", "partner"]
    remove = staticmethod(account_partner_remove)

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        visible = Account.objects.visible_to(self.membership)
        return queryset.filter(account__in=visible).select_related("partner")

    def perform_create(self, serializer) -> None:
        data = self._fields(serializer)
        serializer.instance = self._answered = account_partner_set(membership=self.request.membership, **data)

    def perform_update(self, serializer) -> None:
        link = serializer.instance
        data = self._fields(serializer, link)
        serializer.instance = self._answered = account_partner_set(
            membership=self.request.membership,
            account=link.account,
            expected_version=self.if_match(),
            **data,
        )


class LedgerEntryViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The attribution ledger (append-only): every posted share, reversal and adjustment."""

    model = AttributionEntry
    serializer_class = LedgerEntrySerializer
    filterset_class = AttributionEntryFilterSet
    required_caps = {**crud_caps(read=AttributionCap.VIEW), "totals": AttributionCap.VIEW}
    ordering_fields = ["sequence", "amount", "created_at"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        # entry_list applies the same role scope as the pages; `&` keeps this a narrowing.
        queryset = queryset & entry_list(membership=self.membership)
        return queryset.select_related("partner", "period", "revenue_event", "explanation_ref").order_by(
            "sequence"
        )

    @extend_schema(responses=LedgerTotalsSerializer)
    @action(detail=False, methods=["get"], pagination_class=None)
    def totals(self, request, **kwargs) -> Response:
        """Sum and count of the entries the filters select, overall and per partner."""
        totals = ledger_totals(entries=self.filter_queryset(self.get_queryset()).order_by())
        return Response(LedgerTotalsSerializer(totals).data)


class JobRunViewSet(OrganizationScopedViewSetMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Attribution background runs, to poll after starting a recompute."""

    model = JobRun
    serializer_class = JobRunSerializer
    required_caps = {"retrieve": Cap.JOB_VIEW}  # like the jobs page: not for reps

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.filter(kind__startswith="attribution.")


class RecomputeApi(OrganizationScopedViewSetMixin, APIView):
    """Start a recompute of the organization's ledger in the background."""

    required_caps = {"post": AttributionCap.EDIT}

    @extend_schema(
        request=RecomputeSerializer,
        responses={
            202: JobRunSerializer,
            200: OpenApiResponse(JobRunSerializer, description="A run with this key exists already."),
        },
    )
    def post(self, request) -> Response:
        """Queue a recompute (the same idempotency key never runs twice) and return its run."""
        form = RecomputeSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        key = form.validated_data.get("idempotency_key") or uuid.uuid4().hex
        job, created = attribution_recompute_enqueue(
            organization=request.organization,
            actor=request.user,
            idempotency_key=f"{RECOMPUTE_KIND}:{key}",
        )
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(JobRunSerializer(job, context={"request": request}).data, status=code)


class OpportunityExplanationsApi(OrganizationScopedViewSetMixin, APIView):
    """Each partner's split of one deal, with the engine's explanation and a sentence."""

    required_caps = {"get": AttributionCap.VIEW}

    @extend_schema(responses=PartnerExplanationSerializer(many=True))
    def get(self, request, pk: int) -> Response:
        opportunity = (
            Opportunity.objects.visible_to(request.membership)
            .select_related("organization", "product_line")
            .filter(pk=pk)
            .first()
        )
        if opportunity is None:
            raise exceptions.NotFound
        explanations = opportunity_explanations(opportunity=opportunity)
        return Response(PartnerExplanationSerializer(explanations, many=True).data)


class AttributionSettingsApi(OrganizationScopedViewSetMixin, APIView):
    """The organization's attribution settings (admins)."""

    required_caps = {
        "get": AttributionCap.SETTINGS_EDIT,
        "put": AttributionCap.SETTINGS_EDIT,
        "patch": AttributionCap.SETTINGS_EDIT,
    }

    @extend_schema(responses=AttributionSettingsSerializer)
    def get(self, request) -> Response:
        settings = attribution_settings_get(organization=request.organization)
        return Response(AttributionSettingsSerializer(settings).data)

    def _save(self, request, *, partial: bool) -> Response:
        settings = attribution_settings_get(organization=request.organization)
        form = AttributionSettingsSerializer(settings, data=request.data, partial=partial)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        if "default_splits" in data:
            merged = {**settings.defaults.as_json(), **data["default_splits"]}
            data["default_splits"] = {role: str(value) for role, value in merged.items()}
        settings, _job = attribution_settings_update(
            organization=request.organization, actor=request.user, data=data
        )
        return Response(AttributionSettingsSerializer(settings).data)

    @extend_schema(request=AttributionSettingsSerializer, responses=AttributionSettingsSerializer)
    def put(self, request) -> Response:
        return self._save(request, partial=False)

    @extend_schema(request=AttributionSettingsSerializer, responses=AttributionSettingsSerializer)
    def patch(self, request) -> Response:
        return self._save(request, partial=True)
