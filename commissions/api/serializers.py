"""Serializers of the commissions API: output only (every write goes through a service)."""

from __future__ import annotations

from rest_framework import serializers

from commissions.models import (
    BusinessObjective,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionStatement,
    SalesTransaction,
    StatementLine,
)


class SalesTransactionSerializer(serializers.ModelSerializer):
    rep_email = serializers.EmailField(source="rep.email", read_only=True)
    product_line_code = serializers.CharField(source="product_line.code", read_only=True)

    class Meta:
        model = SalesTransaction
        fields = [
            "id",
            "date",
            "rep",
            "rep_email",
            "product_line",
            "product_line_code",
            "product",
            "sku",
            "customer",
            "account",
            "document_number",
            "quantity",
            "sales_amount",
            "revenue_amount",
            "commission_base",
            "currency",
            "source_file",
            "source_row",
            "dedupe_key",
            "created_at",
        ]
        read_only_fields = fields


class BusinessObjectiveSerializer(serializers.ModelSerializer):
    class Meta:
        model = BusinessObjective
        fields = ["id", "rep", "product_line", "month", "amount"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommissionPlanVersion
        fields = [
            "version",
            "effective_from",
            "tier1_rate",
            "tier2_rate",
            "semantics",
            "objective_period",
            "basis",
            "reason",
        ]
        read_only_fields = fields


class CommissionPlanSerializer(serializers.ModelSerializer):
    versions = PlanVersionSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionPlan
        fields = ["id", "name", "description", "is_active", "versions"]
        read_only_fields = fields


class StatementLineSerializer(serializers.ModelSerializer):
    product_line_code = serializers.CharField(source="product_line.code", read_only=True)
    steps = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "product_line",
            "product_line_code",
            "plan",
            "plan_version",
            "semantics",
            "objective_period",
            "transactions",
            "sales_actual",
            "revenue_actual",
            "commission_base",
            "objective",
            "window_objective",
            "window_base",
            "attainment_percent",
            "tier",
            "tier2_date",
            "tier1_rate",
            "tier2_rate",
            "tier1_commission",
            "tier2_commission",
            "true_up",
            "adjustments",
            "total",
            "ytd_sales",
            "ytd_commission",
            "steps",
        ]
        read_only_fields = fields


class CommissionStatementSerializer(serializers.ModelSerializer):
    rep_email = serializers.EmailField(source="rep.email", read_only=True)
    lines = StatementLineSerializer(many=True, read_only=True)

    class Meta:
        model = CommissionStatement
        fields = [
            "id",
            "rep",
            "rep_email",
            "month",
            "revision",
            "corrects",
            "status",
            "currency",
            "sales_actual",
            "commission_base",
            "total",
            "computed_at",
            "approved_at",
            "approved_by",
            "paid_at",
            "paid_by",
            "lines",
        ]
        read_only_fields = fields
