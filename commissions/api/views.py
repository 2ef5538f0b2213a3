"""Commissions API: sales transactions, objectives and plans (read), statements (read, approve,
pay). Sales are loaded in bulk through the import API (`POST /api/v1/imports/sales/`).

Every view inherits `OrganizationScopedViewSetMixin` (scoping, capabilities, error mapping);
rows are narrowed with the same scoped selectors the pages use, so an id outside the member's
scope is a 404. Writes call the statement services.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commissions.api.serializers import (
    BusinessObjectiveSerializer,
    CommissionPlanSerializer,
    CommissionStatementSerializer,
    SalesTransactionSerializer,
)
from commissions.filters import (
    BusinessObjectiveFilterSet,
    CommissionStatementFilterSet,
    SalesTransactionFilterSet,
)
from commissions.models import (
    BusinessObjective,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionStatement,
    SalesTransaction,
    StatementLine,
    StatementStatus,
)
from commissions.permissions import CommissionCap, CommissionKind, can_approve
from commissions.selectors.sales import transaction_scope
from commissions.selectors.statements import statement_scope
from commissions.services.statements import statement_approve, statement_pay
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.permissions import scoped


class SalesTransactionViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Harmonised sales, each with its source file and row (a rep: their own)."""

    model = SalesTransaction
    serializer_class = SalesTransactionSerializer
    filterset_class = SalesTransactionFilterSet
    required_caps = crud_caps(read=CommissionCap.VIEW)
    ordering_fields = ["date", "sales_amount", "commission_base", "created_at"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        # The pages' scope; `&` keeps this a narrowing of the base class's queryset.
        scoped_rows = queryset & transaction_scope(membership=self.membership)
        return scoped_rows.select_related("rep", "product_line").order_by("-date", "-id")


class BusinessObjectiveViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Objectives per rep × product line × month (a rep: their own)."""

    model = BusinessObjective
    serializer_class = BusinessObjectiveSerializer
    filterset_class = BusinessObjectiveFilterSet
    required_caps = crud_caps(read=CommissionCap.VIEW)
    ordering_fields = ["month", "amount"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return scoped(queryset, self.membership, kind=CommissionKind.OBJECTIVE).order_by(
            "month", "rep_id", "product_line_id"
        )


class CommissionPlanViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The organization's plans with their versions (terms from a month on)."""

    model = CommissionPlan
    serializer_class = CommissionPlanSerializer
    required_caps = crud_caps(read=CommissionCap.VIEW)
    ordering_fields = ["name"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        versions = CommissionPlanVersion.objects.order_by("version")
        return queryset.prefetch_related(Prefetch("versions", queryset=versions)).order_by("name")


class CommissionStatementViewSet(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Statements with their lines (a rep: their own; a team manager: their reports').

    `approve` (managers of the rep, admin; never the rep) posts a draft to the commission
    ledger; `pay` (finance) marks an approved one paid. Repeating either once done is a no-op;
    an approved statement changes only through a correction (a new revision).
    """

    model = CommissionStatement
    serializer_class = CommissionStatementSerializer
    filterset_class = CommissionStatementFilterSet
    required_caps = {
        **crud_caps(read=CommissionCap.VIEW),
        "approve": CommissionCap.APPROVE,
        "pay": CommissionCap.PAY,
    }
    ordering_fields = ["month", "total", "revision"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        lines = StatementLine.objects.select_related("product_line").order_by("product_line__name")
        return (
            (queryset & statement_scope(membership=self.membership))
            .select_related("rep")
            .prefetch_related(Prefetch("lines", queryset=lines))
            .order_by("-month", "rep_id", "-revision")
        )

    def _answer(self, statement: CommissionStatement) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=statement.pk)).data)

    @extend_schema(request=None, responses=CommissionStatementSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None, **kwargs) -> Response:
        """Approve a draft: frozen and posted to the commission ledger."""
        statement = self.get_object()
        if not can_approve(request.membership, rep_id=statement.rep_id):
            raise PermissionDenied
        if statement.status == StatementStatus.DRAFT:
            statement_approve(statement=statement, actor=request.user)
        return self._answer(statement)

    @extend_schema(request=None, responses=CommissionStatementSerializer)
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None, **kwargs) -> Response:
        """Mark an approved statement paid (a draft is refused: approve it first)."""
        statement = self.get_object()
        if statement.status != StatementStatus.PAID:
            statement_pay(statement=statement, actor=request.user)
        return self._answer(statement)
