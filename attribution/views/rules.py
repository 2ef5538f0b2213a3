"""Rule builder: list, new/edit with a dry-run preview, templates, and the sentence box."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attribution.engine import rule_set_diagnostics
from attribution.forms import (
    RuleBuilderForm,
    RuleImportForm,
    RuleSentenceForm,
    builder_initial,
    rule_summary,
)
from attribution.models import AttributionRule
from attribution.nl import ParseContext, ParseFailure
from attribution.nl.llm import parse_rule_with_fallback
from attribution.permissions import AttributionCap
from attribution.rule_templates import RULE_TEMPLATES, TEMPLATES_BY_KEY
from attribution.selectors.rule_sets import active_rule_specs, rule_definition_of
from attribution.selectors.rules import (
    PREVIEW_ID,
    product_line_codes,
    rule_get,
    rule_list,
    rule_placement,
    rule_preview,
)
from attribution.services.rules import rule_create, rule_update
from revops.htmx import htmx_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.versions import StaleRecordError, record_version, stale_form_message

PAGE = "attribution/rule_form.html"
BUILDER = "attribution/partials/rule_builder.html"
PREVIEW = "attribution/partials/rule_preview.html"


@cap_required(AttributionCap.VIEW)
def rule_list_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    rules = [(rule, rule_summary(rule_definition_of(rule))) for rule in rule_list(membership=membership)]
    context = {
        "rules": rules,
        "templates": [(t, rule_summary(t)) for t in RULE_TEMPLATES],
        "can_edit": has_cap(membership, AttributionCap.RULE_EDIT),
        "can_export": has_cap(membership, Cap.EXPORT),
        "import_form": RuleImportForm(),
    }
    return render(request, "attribution/rule_list.html", context)


def _builder(
    request: HttpRequest, *, rule: AttributionRule | None, data=None, initial=None
) -> RuleBuilderForm:
    form = RuleBuilderForm(
        data,
        initial=initial,
        product_lines=product_line_codes(membership=request.membership),
        reason_required=rule is not None,
    )
    if rule is not None:
        form.fields["name"].disabled = True  # a rule keeps its name; its versions carry the changes
    return form


def _render(request: HttpRequest, form, rule, *, status: int = 200, **extra) -> HttpResponse:
    context = {"form": form, "rule": rule, "sentence_form": RuleSentenceForm(), **extra}
    template = BUILDER if htmx_partial(request) else PAGE
    return render(request, template, context, status=status)


def _preview(request: HttpRequest, form: RuleBuilderForm, rule: AttributionRule | None) -> HttpResponse:
    """Dry run: what would change if the rule were saved. Nothing is written."""
    organization = request.membership.organization
    candidate = None
    if rule is None or form.cleaned_data.get("is_active"):
        candidate = form.definition.to_spec(rule_id=rule.pk if rule else PREVIEW_ID, version=0)
    preview = rule_preview(organization=organization, candidate=candidate, replaces=rule.pk if rule else None)
    diagnostics = []
    if candidate is not None:
        specs, _ = active_rule_specs(organization=organization)
        others = [s for s in specs if s.id != candidate.id]
        diagnostics = [d for d in rule_set_diagnostics([*others, candidate]) if candidate.id in d.rule_ids]
    context = {"preview": preview, "diagnostics": diagnostics, "summary": rule_summary(form.definition)}
    return render(request, PREVIEW, context)


def _save(request: HttpRequest, form: RuleBuilderForm, rule: AttributionRule | None) -> HttpResponse:
    membership = request.membership
    data = form.cleaned_data
    try:
        if rule is None:
            saved = rule_create(
                organization=membership.organization,
                actor=request.user,
                name=data["name"],
                definition=form.definition,
                priority=data["priority"],
                description=data.get("description") or "",
            )
        else:
            saved = rule_update(
                organization=membership.organization,
                actor=request.user,
                rule=rule,
                reason=data["reason"],
                definition=form.definition,
                priority=data["priority"],
                is_active=bool(data.get("is_active")),
                expected_version=data.get("version") or None,
            )
    except StaleRecordError as exc:
        # Someone saved the rule since the form was opened: nothing written; the form keeps
        # what was typed and now carries the current version, so saving again is knowing.
        form.add_error(None, stale_form_message(exc))
        form.data = form.data.copy()
        form.data["version"] = exc.current_version
        return _render(request, form, rule, status=409)
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return _render(request, form, rule, status=400)
    rule, diagnostics = saved.rule, saved.diagnostics
    if saved.job is None:
        messages.info(request, f"Rule “{rule.name}” is unchanged.")
    else:
        messages.success(
            request,
            f"Rule “{rule.name}” saved as version {rule.current_version.number}; "
            f"the ledger is being recomputed (job #{saved.job.pk}).",
        )
    for diagnostic in diagnostics:
        messages.warning(request, f"{diagnostic.kind.capitalize()}: {diagnostic.message}")
    return redirect("attribution:rule-edit", pk=rule.pk)


def _post(request: HttpRequest, rule: AttributionRule | None) -> HttpResponse:
    form = _builder(
        request,
        rule=rule,
        data=request.POST,
        initial=builder_initial(rule_definition_of(rule)) if rule else None,
    )
    if not form.is_valid():
        if request.POST.get("intent") == "preview":
            return render(request, PREVIEW, {"errors": form.errors}, status=400)
        return _render(request, form, rule, status=400)
    if request.POST.get("intent") == "preview":
        return _preview(request, form, rule)
    return _save(request, form, rule)


@cap_required(AttributionCap.RULE_EDIT)
def rule_new_view(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _post(request, None)
    template = TEMPLATES_BY_KEY.get(request.GET.get("template", ""))
    initial = builder_initial(template) if template else None
    return _render(request, _builder(request, rule=None, initial=initial), None, template=template)


@cap_required(AttributionCap.RULE_EDIT)
def rule_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    rule = rule_get(membership=request.membership, pk=pk)
    if request.method == "POST":
        return _post(request, rule)
    initial = builder_initial(rule_definition_of(rule), is_active=rule.is_active)
    initial["version"] = record_version(rule)
    versions = rule.versions.select_related("created_by").order_by("-number")
    return _render(request, _builder(request, rule=rule, initial=initial), rule, versions=versions)


@require_POST
@cap_required(AttributionCap.RULE_EDIT)
def rule_parse_view(request: HttpRequest) -> HttpResponse:
    """A sentence → the structured rule, shown in the builder for preview (never saved here)."""
    sentence_form = RuleSentenceForm(request.POST)
    if not sentence_form.is_valid():
        form = _builder(request, rule=None)
        return _render(request, form, None, status=400, sentence_form=sentence_form)
    sentence = sentence_form.cleaned_data["sentence"]
    context = ParseContext.build(product_lines=product_line_codes(membership=request.membership))
    parsed = parse_rule_with_fallback(sentence, context)
    if isinstance(parsed, ParseFailure):
        form = _builder(request, rule=None)
        return _render(request, form, None, sentence_form=sentence_form, failure=parsed)
    # A sentence that names no priority would take the schema's default and could land behind
    # a rule that decides every link it matches: it goes where it can decide instead.
    placement = None
    if "priority" not in parsed.model_fields_set:
        placement = rule_placement(organization=request.membership.organization, rule=parsed)
        parsed = parsed.model_copy(update={"priority": placement.priority})
    form = _builder(request, rule=None, initial=builder_initial(parsed))
    return _render(
        request,
        form,
        None,
        sentence_form=sentence_form,
        parsed=parsed,
        summary=rule_summary(parsed),
        placement=placement,
    )
