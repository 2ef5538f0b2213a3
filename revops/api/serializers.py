"""API serializers for the core rows. Dumb by design: validation of input shape only.

Foreign keys are chosen among the rows the request's member may use (`ScopedRelatedField`),
so another organization's id is an ordinary "does not exist" field error. Writes happen in
the viewsets, through services.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from revops.models import (
    Account,
    ApiToken,
    FiscalPeriod,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Partner,
    Product,
    ProductLine,
    User,
)
from revops.models.crm import PartnerType, Stage
from revops.models.organization import Role
from revops.permissions import Kind, scope_user_ids

INTERNAL_ROLES = (Role.ADMIN, Role.MANAGER, Role.FINANCE, Role.REP)
ZERO = Decimal("0")


def accounts_for(membership: Membership | None) -> models.QuerySet:
    return Account.objects.visible_to(membership)


def product_lines_for(membership: Membership | None) -> models.QuerySet:
    if membership is None:
        return ProductLine.objects.none()
    return ProductLine.objects.filter(organization_id=membership.organization_id)


def owners_for(membership: Membership | None) -> models.QuerySet:
    """Internal members of the organization whose records this member may see."""
    if membership is None:
        return User.objects.none()
    users = User.objects.filter(
        memberships__organization_id=membership.organization_id,
        memberships__is_active=True,
        memberships__role__in=INTERNAL_ROLES,
    )
    team = scope_user_ids(membership, Kind.OPPORTUNITY)
    return users if team is None else users.filter(id__in=team)


@extend_schema_field({"oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]})
class OptionalEmailField(serializers.EmailField):
    """An email address a row may leave blank: the schema says "an email, or empty"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key by id, looked up only among `scope(request.membership)`."""

    def __init__(self, *, scope: Callable[[Membership | None], models.QuerySet], **kwargs):
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> models.QuerySet:
        request = self.context.get("request")
        return self.scope(getattr(request, "membership", None))


class AccountSerializer(serializers.ModelSerializer):
    owner = ScopedRelatedField(
        scope=owners_for, queryset=User.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "name",
            "domain",
            "industry",
            "segment",
            "region",
            "owner",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class PartnerSerializer(serializers.ModelSerializer):
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerType.choices), required=False, allow_empty=True
    )

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "domain",
            "types",
            "tier",
            "status",
            "lifecycle_stage",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", "name", "code", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class ProductSerializer(serializers.ModelSerializer):
    product_line = ScopedRelatedField(scope=product_lines_for, queryset=ProductLine.objects.none())

    class Meta:
        model = Product
        fields = [
            "id",
            "product_line",
            "name",
            "sku",
            "list_price",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"list_price": {"min_value": ZERO}}


class OpportunitySerializer(serializers.ModelSerializer):
    account = ScopedRelatedField(scope=accounts_for, queryset=Account.objects.none())
    owner = ScopedRelatedField(
        scope=owners_for,
        queryset=User.objects.none(),
        required=False,
        allow_null=True,
        help_text="User id of an internal member; defaults to the caller on create.",
    )
    product_line = ScopedRelatedField(
        scope=product_lines_for, queryset=ProductLine.objects.none(), required=False, allow_null=True
    )

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "name",
            "account",
            "owner",
            "stage",
            "amount",
            "currency",
            "created_date",
            "expected_close_date",
            "close_date",
            "product_line",
            "lead_source",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"amount": {"min_value": ZERO}}


class StageChangeSerializer(serializers.ModelSerializer):
    # Blank on a deal's first recorded stage (it came from nowhere).
    from_stage = serializers.ChoiceField(choices=Stage.choices, allow_blank=True, read_only=True)

    class Meta:
        model = OpportunityStageChange
        fields = ["id", "opportunity", "from_stage", "to_stage", "amount", "changed_at", "changed_by"]
        read_only_fields = fields


class FiscalPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = FiscalPeriod
        fields = [
            "id",
            "start_date",
            "end_date",
            "fiscal_year",
            "fiscal_quarter",
            "status",
            "closed_at",
            "closed_by",
            "label",
        ]
        read_only_fields = fields


class ApiTokenSerializer(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email", read_only=True)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "user",
            "user_email",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
        read_only_fields = fields


class MeUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="get_full_name")


class MeOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.SlugField()
    currency = serializers.CharField()
    time_zone = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    organization = MeOrganizationSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    capabilities = serializers.ListField(child=serializers.CharField())
    token = serializers.IntegerField(allow_null=True, help_text="Id of the API token in use, if any.")
