"""Split rules over the API: CRUD validated by the pydantic rule schema, versions, import/export.

Every save writes a new rule version through attribution.services.rules and answers with the
diagnostics of the whole rule set (conflicting and unreachable rules).
"""

from __future__ import annotations

import re
from collections import defaultdict

import pydantic
from django.db import models
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from attribution.api.serializers import PERCENT
from attribution.engine import ActionKind, Scope
from attribution.filters import AttributionRuleFilterSet
from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.permissions import AttributionCap
from attribution.rule_schema import (
    RuleDefinition,
    RuleSetError,
    rules_from_json,
    rules_from_yaml,
    rules_to_json,
    rules_to_yaml,
)
from attribution.selectors.rule_sets import rule_definition_of
from attribution.services.rules import RuleSaved, rule_create, rule_set_import, rule_update
from revops.api.base import OrganizationScopedViewSetMixin, crud_caps
from revops.api.versioning import ETAG, IF_MATCH, STALE_RESPONSES, VersionedViewMixin

RULE_NAME_FIXED = "The name is set when the rule is created; create a new rule instead."
RULE_REASON_REQUIRED = "Say why the rule changes."
_FIELD_PREFIX = re.compile(r"^(\w+): (.*)$", re.DOTALL)
WRITE_ONLY_RULE_KEYS = ("reason", "is_active")


class RuleActionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k.value for k in ActionKind])
    percent = serializers.DecimalField(
        **PERCENT, required=False, allow_null=True, help_text="For set_split and cap only."
    )


class RuleWriteSerializer(serializers.Serializer):
    """A rule as attribution.rule_schema.RuleDefinition describes it, plus reason and is_active.

    The body is validated by that pydantic schema; errors name the field path
    (e.g. `action.percent`, `conditions.max_amount`).
    """

    name = serializers.CharField(max_length=200, help_text="Set on create; cannot change later.")
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    key = serializers.CharField(max_length=80, required=False, allow_null=True)
    scope = serializers.ChoiceField(choices=[s.value for s in Scope], required=False)
    priority = serializers.IntegerField(min_value=0, max_value=100_000, required=False)
    conditions = serializers.DictField(
        required=False,
        help_text=(
            "roles, partner_types, partner_tiers, stages, product_lines, segments, regions (lists); "
            "min_amount, max_amount (decimals); min_inclusive, max_inclusive (booleans)."
        ),
    )
    action = RuleActionSerializer()
    source = serializers.ChoiceField(
        choices=["manual", "template", "import", "grammar", "llm"], required=False
    )
    is_active = serializers.BooleanField(required=False, help_text="Updates only.")
    reason = serializers.CharField(
        max_length=2000, required=False, help_text="Required on updates: why the rule changes."
    )


class DiagnosticSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["conflict", "unreachable"])
    rule_ids = serializers.ListField(child=serializers.IntegerField())
    message = serializers.CharField()


class RuleSerializer(serializers.ModelSerializer):
    version = serializers.IntegerField(source="current_version.number", read_only=True, allow_null=True)
    definition = serializers.SerializerMethodField()

    class Meta:
        model = AttributionRule
        fields = [
            "id",
            "name",
            "description",
            "priority",
            "is_active",
            "version",
            "definition",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_definition(self, rule: AttributionRule) -> dict:
        return rule_definition_of(rule).model_dump(mode="json")


class RuleSavedSerializer(RuleSerializer):
    diagnostics = DiagnosticSerializer(many=True, read_only=True)
    recompute_job = serializers.IntegerField(
        read_only=True, help_text="The background run that brings the ledger in line with the rules."
    )

    class Meta(RuleSerializer.Meta):
        fields = [*RuleSerializer.Meta.fields, "diagnostics", "recompute_job"]
        read_only_fields = fields


class RuleVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributionRuleVersion
        fields = [
            "id",
            "number",
            "priority",
            "is_active",
            "definition",
            "change_reason",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


MAX_FILE_CHARS = 1_000_000  # as the page's upload (attribution.views.rule_files.MAX_FILE_BYTES)


class RuleSetImportSerializer(serializers.Serializer):
    file_format = serializers.ChoiceField(choices=["json", "yaml"])
    content = serializers.CharField(
        max_length=MAX_FILE_CHARS, help_text="The rule-set file: {'rules': [...]} as JSON or YAML."
    )
    dry_run = serializers.BooleanField(default=False)
    reason = serializers.CharField(max_length=2000, help_text="Why the rules change.")


class RuleSetImportResultSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    created = serializers.ListField(child=serializers.CharField())
    updated = serializers.ListField(child=serializers.CharField())
    unchanged = serializers.ListField(child=serializers.CharField())
    diagnostics = DiagnosticSerializer(many=True)
    recompute_job = serializers.IntegerField(allow_null=True)


def rule_definition_validate(data: dict) -> RuleDefinition:
    """Validate a rule with the pydantic schema; errors keyed by field path (`action.percent`)."""
    try:
        return RuleDefinition.model_validate(data)
    except pydantic.ValidationError as exc:
        errors: dict[str, list[str]] = defaultdict(list)
        for item in exc.errors():
            path = [str(p) for p in item["loc"]]
            message = item["msg"].removeprefix("Value error, ")
            prefixed = _FIELD_PREFIX.match(message)
            if prefixed:  # model-level checks name their field first ("percent: ...")
                path.append(prefixed.group(1))
                message = prefixed.group(2)
            errors[".".join(path) or "non_field_errors"].append(message)
        raise exceptions.ValidationError(dict(errors)) from exc


def _rule_body(request) -> tuple[dict, dict]:
    if not isinstance(request.data, dict):
        raise exceptions.ValidationError({"non_field_errors": ["Send the rule as a JSON object."]})
    body = dict(request.data)
    extra = {key: body.pop(key) for key in WRITE_ONLY_RULE_KEYS if key in body}
    return body, extra


class RuleViewSet(
    VersionedViewMixin,
    OrganizationScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Split rules. Every save writes a new version and answers with the rule-set diagnostics.

    Optimistic concurrency as on the core records (revops.api.versioning): a rule's answers
    carry its version as `ETag`; a PUT or PATCH with a stale `If-Match` is 409 and writes no
    version, audit row or ledger alignment.
    """

    model = AttributionRule
    serializer_class = RuleSerializer
    filterset_class = AttributionRuleFilterSet
    required_caps = {
        **crud_caps(read=AttributionCap.VIEW, edit=AttributionCap.RULE_EDIT),
        "versions": AttributionCap.VIEW,
        "export": AttributionCap.VIEW,
        "import_rules": AttributionCap.RULE_EDIT,
    }
    ordering_fields = ["priority", "name", "created_at"]

    def safely_get_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("current_version")

    @extend_schema(parameters=[ETAG])
    def retrieve(self, request, *args, **kwargs) -> Response:
        self._answered = self.get_object()
        return Response(self.get_serializer(self._answered).data)

    def _saved(self, saved: RuleSaved, code: int) -> Response:
        rule = self._answered = saved.rule
        rule.diagnostics = saved.diagnostics
        rule.recompute_job = saved.job.pk if saved.job is not None else None
        return Response(RuleSavedSerializer(rule, context={"request": self.request}).data, status=code)

    @extend_schema(request=RuleWriteSerializer, parameters=[ETAG], responses={201: RuleSavedSerializer})
    def create(self, request, *args, **kwargs) -> Response:
        """Create a rule (version 1); the answer lists conflicting or unreachable rules."""
        body, _ = _rule_body(request)
        definition = rule_definition_validate(body)
        saved = rule_create(
            organization=request.organization,
            actor=request.user,
            name=definition.name,
            definition=definition,
            priority=definition.priority,
            description=definition.description,
        )
        return self._saved(saved, status.HTTP_201_CREATED)

    @extend_schema(
        request=RuleWriteSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: RuleSavedSerializer, **STALE_RESPONSES},
    )
    def update(self, request, *args, **kwargs) -> Response:
        """Change a rule (PUT: the whole definition; PATCH: the fields given); a new version."""
        rule = self.get_object()
        expected_version = self.if_match()
        body, extra = _rule_body(request)
        reason = str(extra.get("reason") or "")
        if not reason.strip():
            raise exceptions.ValidationError({"reason": [RULE_REASON_REQUIRED]})
        if kwargs.get("partial"):
            current = rule_definition_of(rule).model_dump(mode="json")
            body = {**current, **body}
        definition = rule_definition_validate(body)
        if definition.name != rule.name:
            raise exceptions.ValidationError({"name": [RULE_NAME_FIXED]})
        is_active = extra.get("is_active")
        if is_active is not None and not isinstance(is_active, bool):
            raise exceptions.ValidationError({"is_active": ["Must be true or false."]})
        saved = rule_update(
            organization=request.organization,
            actor=request.user,
            rule=rule,
            reason=reason,
            definition=definition,
            priority=definition.priority,
            is_active=is_active,
            expected_version=expected_version,
        )
        return self._saved(saved, status.HTTP_200_OK)

    @extend_schema(
        request=RuleWriteSerializer,
        parameters=[IF_MATCH, ETAG],
        responses={200: RuleSavedSerializer, **STALE_RESPONSES},
    )
    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @extend_schema(responses=RuleVersionSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def versions(self, request, pk=None, **kwargs) -> Response:
        """Every saved version of the rule, newest first."""
        rule = self.get_object()
        versions = rule.versions.order_by("-number")
        return Response(RuleVersionSerializer(versions, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", str, enum=["json", "yaml"], default="json")],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            # The same rule-set document, written as YAML.
            (200, "application/yaml"): OpenApiTypes.OBJECT,
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def export(self, request, **kwargs) -> HttpResponse:
        """The organization's rules (current versions) as a JSON or YAML rule-set file."""
        file_format = request.query_params.get("file_format", "json")
        if file_format not in ("json", "yaml"):
            raise exceptions.ValidationError({"file_format": ["Use json or yaml."]})
        rules = [rule_definition_of(r) for r in self.filter_queryset(self.get_queryset())]
        if file_format == "yaml":
            return HttpResponse(rules_to_yaml(rules), content_type="application/yaml")
        return HttpResponse(rules_to_json(rules), content_type="application/json")

    @extend_schema(request=RuleSetImportSerializer, responses=RuleSetImportResultSerializer)
    @action(detail=False, methods=["post"], url_path="import", pagination_class=None, filterset_class=None)
    def import_rules(self, request, **kwargs) -> Response:
        """Import a rule-set file by rule name: new rules are created, changed ones versioned."""
        form = RuleSetImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        parse = rules_from_yaml if data["file_format"] == "yaml" else rules_from_json
        try:
            rules = parse(data["content"])
        except RuleSetError as exc:
            raise exceptions.ValidationError({"content": [str(exc)]}) from exc
        result = rule_set_import(
            organization=request.organization,
            actor=request.user,
            rules=rules,
            reason=data["reason"],
            dry_run=data["dry_run"],
        )
        return Response(RuleSetImportResultSerializer(result).data)
