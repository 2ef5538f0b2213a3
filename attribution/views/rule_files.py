"""Rule-set files: download as JSON or YAML; upload, preview, then confirm the import."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from attribution.forms import RuleImportForm, rule_summary
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
from attribution.selectors.rules import rule_list
from attribution.services.rules import rule_set_import
from revops.exports import attachment_response
from revops.permissions import Cap, cap_required, has_cap

IMPORT_REASON = "Imported from a rule-set file."
MAX_FILE_BYTES = 1_000_000
FILE_FORMATS = {
    "json": (rules_to_json, "application/json"),
    "yaml": (rules_to_yaml, "application/yaml"),
}


@cap_required(AttributionCap.VIEW)
def rule_export_view(request: HttpRequest) -> HttpResponse:
    if not has_cap(request.membership, Cap.EXPORT):
        raise PermissionDenied
    fmt = request.GET.get("format", "json")
    if fmt not in FILE_FORMATS:
        raise Http404
    dump, content_type = FILE_FORMATS[fmt]
    rules = [rule_definition_of(rule) for rule in rule_list(membership=request.membership)]
    return attachment_response(
        dump(rules), filename=f"attribution-rules.{fmt}", content_type=f"{content_type}; charset=utf-8"
    )


def parse_rule_file(name: str, text: str) -> list[RuleDefinition]:
    """JSON for .json files, YAML otherwise (YAML also reads JSON)."""
    return rules_from_json(text) if name.lower().endswith(".json") else rules_from_yaml(text)


class RuleImportConfirmForm(forms.Form):
    content = forms.CharField(widget=forms.HiddenInput, max_length=MAX_FILE_BYTES, strip=False)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=200)


def _plan(request: HttpRequest, definitions: list[RuleDefinition]) -> list[dict]:
    existing = {rule.name: rule for rule in rule_list(membership=request.membership)}
    return [
        {"definition": d, "summary": rule_summary(d), "existing": existing.get(d.name)} for d in definitions
    ]


@require_POST
@cap_required(AttributionCap.RULE_EDIT)
def rule_import_view(request: HttpRequest) -> HttpResponse:
    """Step 1: read the file and show what would be created or changed (nothing saved)."""
    form = RuleImportForm(request.POST, request.FILES)
    error = ""
    if form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read(MAX_FILE_BYTES + 1)
        try:
            if len(raw) > MAX_FILE_BYTES:
                raise RuleSetError("The file is larger than 1 MB.")
            text = raw.decode("utf-8")
            definitions = parse_rule_file(upload.name, text)
        except (RuleSetError, UnicodeDecodeError) as exc:
            error = str(exc)
        else:
            confirm = RuleImportConfirmForm(initial={"content": text, "filename": upload.name})
            context = {"plan": _plan(request, definitions), "confirm_form": confirm, "filename": upload.name}
            return render(request, "attribution/rule_import.html", context)
    context = {"import_form": form, "error": error}
    return render(request, "attribution/rule_import.html", context, status=400)


@require_POST
@cap_required(AttributionCap.RULE_EDIT)
def rule_import_confirm_view(request: HttpRequest) -> HttpResponse:
    """Step 2: create new rules and add a version to rules of the same name, all or nothing."""
    membership = request.membership
    form = RuleImportConfirmForm(request.POST)
    if not form.is_valid():
        return render(
            request, "attribution/rule_import.html", {"error": "The import form was incomplete."}, status=400
        )
    try:
        definitions = parse_rule_file(form.cleaned_data["filename"], form.cleaned_data["content"])
        result = rule_set_import(
            organization=membership.organization, actor=request.user, rules=definitions, reason=IMPORT_REASON
        )
    except (RuleSetError, ValidationError) as exc:
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return render(request, "attribution/rule_import.html", {"error": message}, status=400)
    summary = (
        f"Imported {len(definitions)} rule{'s' if len(definitions) != 1 else ''}: "
        f"{len(result.created)} new, {len(result.updated)} changed, {len(result.unchanged)} unchanged."
    )
    if result.recompute_job is not None:
        summary += f" The ledger is being recomputed (job #{result.recompute_job})."
    messages.success(request, summary)
    return redirect("attribution:rules")
