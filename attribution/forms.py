"""Input forms of the attribution pages, and the rule builder's conversions to stored rules."""

from __future__ import annotations

import pydantic
from django import forms

from attribution.conditions import LIST_CONDITIONS
from attribution.models import AttributionSettings, DefaultSplits, PartnerRole, SiMode
from attribution.rule_schema import RuleAction, RuleConditions, RuleDefinition, validation_message
from revops.forms import PeriodFilterForm
from revops.models import Partner
from revops.versions import NEW_RECORD, record_version

REASON_REQUIRED = "Say why the split changes."
LINK_VERSIONS_PREFIX = "links:"
PERCENT_INVALID = "{label}: enter a percent from 0 to 100, with at most two decimals."
# Every way a percent can be refused gets the one message naming the field.
_PERCENT_ERRORS = (
    "required",
    "invalid",
    "min_value",
    "max_value",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
)
ACTION_CHOICES = (
    ("allow", "Allow credit"),
    ("deny", "Deny credit"),
    ("set_split", "Set split %"),
    ("cap", "Cap split at %"),
)
SCOPE_CHOICES = (("opportunity", "Deal"), ("account", "Account"))
_CONDITION_LISTS = tuple(c.key for c in LIST_CONDITIONS)


def link_versions(links) -> str:
    """The versions of a deal's links, as the split form carries them (revops.versions):
    `links:` then `<partner>:<role>=<version>` per link, comma-separated (a deal shown with
    no links is `links:`, so a link added since is still seen as new)."""
    return LINK_VERSIONS_PREFIX + ",".join(
        f"{link.partner_id}:{link.role}={record_version(link)}" for link in links
    )


class SplitChangeForm(forms.Form):
    """A manager changes one partner's split on a deal; the reason is required."""

    partner = forms.ModelChoiceField(queryset=Partner.objects.none())
    role = forms.ChoiceField(choices=PartnerRole.choices)
    split_percent = forms.DecimalField(
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        required=False,
        help_text="Empty: the rules and the organization's defaults decide.",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": REASON_REQUIRED}
    )
    # The versions of the deal's links as the page showed them ("<partner>:<role>=<version>,
    # ..."), so a change that someone else's save overtook is refused (revops.versions).
    link_versions = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, partners, links=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners
        if links is not None and not self.is_bound:
            self.initial["link_versions"] = link_versions(links)

    def expected_version(self) -> str | None:
        """The version the page showed for the chosen partner and role: `NEW_RECORD` when it
        showed no such link; None when the form carried no versions (no check)."""
        raw = self.cleaned_data.get("link_versions") or ""
        if not raw.startswith(LINK_VERSIONS_PREFIX):
            return None
        items = raw.removeprefix(LINK_VERSIONS_PREFIX).split(",")
        shown = dict(item.split("=", 1) for item in items if "=" in item)
        key = f"{self.cleaned_data['partner'].pk}:{self.cleaned_data['role']}"
        return shown.get(key, NEW_RECORD)

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason


class PerformanceFilterForm(PeriodFilterForm):
    def selected(self) -> str:
        return self.selected_period()


class PeriodReasonForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.TextInput())


class RuleSentenceForm(forms.Form):
    sentence = forms.CharField(
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "e.g. Referral partners get 10 % on deals over $50k"}),
    )


class RuleImportForm(forms.Form):
    file = forms.FileField(help_text="A rule set in JSON or YAML.")


class RuleBuilderForm(forms.Form):
    """The no-code rule builder: conditions and one action, validated by the rule schema."""

    name = forms.CharField(max_length=160)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    scope = forms.ChoiceField(choices=SCOPE_CHOICES, initial="opportunity")
    priority = forms.IntegerField(min_value=0, max_value=100_000, initial=100, help_text="Lower runs first.")
    is_active = forms.BooleanField(required=False, initial=True, label="Active")
    min_amount = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=2)
    min_inclusive = forms.BooleanField(required=False, initial=True, label="including the minimum")
    max_amount = forms.DecimalField(required=False, min_value=0, max_digits=18, decimal_places=2)
    max_inclusive = forms.BooleanField(required=False, initial=False, label="including the maximum")
    action = forms.ChoiceField(choices=ACTION_CHOICES)
    percent = forms.DecimalField(required=False, min_value=0, max_value=100, max_digits=5, decimal_places=2)
    reason = forms.CharField(required=False, max_length=500, help_text="Required when changing a saved rule.")
    # The rule's version when the form was opened (revops.versions): a save after someone
    # else's is refused, not an overwrite.
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, product_lines=(), reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # One checkbox list per list condition, after the priority and active fields.
        fields = list(self.fields.items())
        at = [name for name, _ in fields].index("is_active") + 1
        lists = [
            (
                c.key,
                forms.MultipleChoiceField(
                    choices=c.choices() if c.choices is not None else list(product_lines),
                    required=False,
                    widget=forms.CheckboxSelectMultiple,
                ),
            )
            for c in LIST_CONDITIONS
        ]
        self.fields = dict(fields[:at] + lists + fields[at:])
        self.fields["reason"].required = reason_required
        self.definition: RuleDefinition | None = None

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            self.definition = RuleDefinition(
                name=data["name"],
                description=data.get("description") or "",
                scope=data["scope"],
                priority=data["priority"],
                conditions=RuleConditions(
                    **{key: data.get(key) or [] for key in _CONDITION_LISTS},
                    min_amount=data.get("min_amount"),
                    # An unticked box only means "exclusive" when there is a bound to exclude.
                    min_inclusive=bool(data.get("min_inclusive")) or data.get("min_amount") is None,
                    max_amount=data.get("max_amount"),
                    max_inclusive=bool(data.get("max_inclusive")) and data.get("max_amount") is not None,
                ),
                action=RuleAction(kind=data["action"], percent=data.get("percent")),
            )
        except pydantic.ValidationError as exc:
            raise forms.ValidationError(validation_message(exc)) from exc
        return data


def builder_initial(rule: RuleDefinition, *, is_active: bool = True) -> dict:
    """Initial values of the builder for a template, a parsed sentence or a saved rule."""
    c = rule.conditions
    initial = {
        "name": rule.name,
        "description": rule.description,
        "scope": rule.scope.value,
        "priority": rule.priority,
        "is_active": is_active,
        "min_amount": c.min_amount,
        "min_inclusive": c.min_inclusive,
        "max_amount": c.max_amount,
        "max_inclusive": c.max_inclusive,
        "action": rule.action.kind.value,
        "percent": rule.action.percent,
    }
    for key in _CONDITION_LISTS:
        initial[key] = [getattr(v, "value", v) for v in getattr(c, key)]
    return initial


def rule_summary(rule: RuleDefinition) -> str:
    """One line saying what a rule matches and does, for lists and previews."""
    c = rule.conditions
    parts = ["Deal" if rule.scope.value == "opportunity" else "Account"]
    labels = {c.key: c.label for c in LIST_CONDITIONS}
    for key, label in labels.items():
        values = [str(getattr(v, "value", v)) for v in getattr(c, key)]
        if values:
            parts.append(f"{label} {' or '.join(values)}")
    if c.min_amount is not None:
        parts.append(f"value {'≥' if c.min_inclusive else '>'} {c.min_amount:,.2f}")
    if c.max_amount is not None:
        parts.append(f"value {'≤' if c.max_inclusive else '<'} {c.max_amount:,.2f}")
    action = dict(ACTION_CHOICES)[rule.action.kind.value]
    if rule.action.percent is not None:
        action = f"{action.removesuffix(' %').removesuffix(' at')} {rule.action.percent} %"
    return f"{' · '.join(parts)} → {action}"


def percent_field(label: str, **kwargs) -> forms.DecimalField:
    """A percent from 0 to 100 with two decimals; every refusal names the field."""
    message = PERCENT_INVALID.format(label=label)
    return forms.DecimalField(
        label=label,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        error_messages=dict.fromkeys(_PERCENT_ERRORS, message),
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "100"}),
        **kwargs,
    )


def default_split_field_name(role: str) -> str:
    return f"default_{role}"


DEFAULT_SPLIT_FIELDS = tuple(default_split_field_name(role) for role in PartnerRole.values)

# One percent field per partner role, named after the role; forms mix these in so the role list
# is PartnerRole's and nobody else's.
DefaultSplitFields = type(
    "DefaultSplitFields",
    (forms.Form,),
    {
        "__module__": __name__,
        "__doc__": "The default split of each partner role, one percent field per role.",
        **{
            default_split_field_name(role): percent_field(
                f"{label} default split",
                help_text=f"Used for {label} links that no rule or manual percent decides.",
            )
            for role, label in PartnerRole.choices
        },
    },
)


def default_splits_initial(defaults: DefaultSplits) -> dict:
    return {default_split_field_name(role): getattr(defaults, role) for role in PartnerRole.values}


def default_splits_cleaned(cleaned_data: dict) -> dict[str, str]:
    """The `default_splits` JSON of the role fields (call once they are valid)."""
    return {role: str(cleaned_data[default_split_field_name(role)]) for role in PartnerRole.values}


class AttributionSettingsForm(DefaultSplitFields):
    """The settings page: SI mode and fixed percent, the account cap, a default split per role."""

    si_mode = forms.ChoiceField(label="SI mode", choices=SiMode.choices)
    si_fixed_percent = percent_field(
        "SI fixed percent", help_text="An SI partner's share of an account in the fixed-percent mode."
    )
    enforce_account_cap = forms.BooleanField(
        label="Cap account splits at 100 %",
        required=False,
        help_text=AttributionSettings._meta.get_field("enforce_account_cap").help_text,
    )
    field_order = ["si_mode", "si_fixed_percent", *DEFAULT_SPLIT_FIELDS, "enforce_account_cap"]

    @classmethod
    def initial_of(cls, settings: AttributionSettings) -> dict:
        return {
            "si_mode": settings.si_mode,
            "si_fixed_percent": settings.si_fixed_percent,
            "enforce_account_cap": settings.enforce_account_cap,
            **default_splits_initial(settings.defaults),
        }

    def settings_data(self) -> dict:
        """The settings the form holds, in the shape the settings service takes."""
        data = self.cleaned_data
        return {
            "si_mode": data["si_mode"],
            "si_fixed_percent": data["si_fixed_percent"],
            "enforce_account_cap": bool(data.get("enforce_account_cap")),
            "default_splits": default_splits_cleaned(data),
        }
