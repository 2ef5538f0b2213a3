"""Input forms of the commission pages."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django import forms

from commissions.filters import MONTH_FORMATS
from commissions.models import CommissionPlan, DisputeKind, ObjectivePeriod, Semantics
from revops.models import Membership, Role


class ComputeForm(forms.Form):
    """The month whose statements finance (re)computes: "2026-03" or any day of it."""

    month = forms.DateField(input_formats=MONTH_FORMATS, error_messages={"required": "Choose a month."})

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)


class DisputeForm(forms.Form):
    """A rep's flag on a statement line."""

    kind = forms.ChoiceField(label="What is wrong", choices=DisputeKind.choices)
    comment = forms.CharField(
        label="Details", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), strip=True
    )


class SettleForm(forms.Form):
    """Finance settles a dispute: an adjustment with a reason, or a rejection with a reason."""

    action = forms.ChoiceField(choices=(("resolve", "Adjust"), ("reject", "Reject")))
    amount = forms.DecimalField(
        label="Adjustment",
        max_digits=18,
        decimal_places=2,
        required=False,
        help_text="Added to the rep's commission for the line's product line and month (negative to reduce).",
    )
    note = forms.CharField(
        label="Reason (the rep reads it)", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == "resolve" and not data.get("amount"):
            self.add_error("amount", "Give the adjustment (not zero), or reject the dispute.")
        return data


class ObjectiveCellForm(forms.Form):
    """One cell of the objectives grid: a rep, a product line, a month and the amount (empty: none)."""

    rep = forms.IntegerField()
    product_line = forms.IntegerField()
    month = forms.DateField(input_formats=MONTH_FORMATS)
    amount = forms.DecimalField(
        label="Objective",
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        error_messages={
            "invalid": "Enter an amount, e.g. 12500 or 12500.50.",
            "min_value": "An objective is not negative.",
            "max_decimal_places": "At most two decimals (cents).",
            "max_digits": "Too large an amount.",
        },
    )

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)


class ObjectiveFillForm(forms.Form):
    """Fill a grid row (rep and product line: every month of the year) or a column (month: every row)."""

    year = forms.IntegerField(min_value=2000, max_value=2100)
    rep = forms.IntegerField(required=False)
    product_line = forms.IntegerField(required=False)
    month = forms.DateField(input_formats=MONTH_FORMATS, required=False)
    amount = forms.DecimalField(
        label="Objective",
        required=False,
        min_value=0,
        max_digits=18,
        decimal_places=2,
        help_text="Empty clears the cells.",
    )

    def clean(self):
        data = super().clean()
        is_row = data.get("rep") is not None and data.get("product_line") is not None
        if is_row == (data.get("month") is not None):
            raise forms.ValidationError("Fill either a row (a rep and a product line) or a column (a month).")
        if data.get("month") is not None:
            data["month"] = data["month"].replace(day=1)
        return data


class SimulatorForm(forms.Form):
    """Draft terms of a plan for a month: rates, semantics, window, objectives scaled."""

    plan = forms.ModelChoiceField(queryset=CommissionPlan.objects.none(), empty_label=None)
    month = forms.DateField(input_formats=MONTH_FORMATS, help_text="The statement month to compare, YYYY-MM.")
    tier1_rate = forms.DecimalField(label="Tier 1 rate (%)", min_value=0, max_value=100, decimal_places=4)
    tier2_rate = forms.DecimalField(label="Tier 2 rate (%)", min_value=0, max_value=100, decimal_places=4)
    semantics = forms.ChoiceField(choices=Semantics.choices)
    objective_period = forms.ChoiceField(label="Objective window", choices=ObjectivePeriod.choices)
    objectives_percent = forms.DecimalField(
        label="Objectives (%)",
        min_value=0,
        max_value=1000,
        decimal_places=2,
        initial=100,
        help_text="The plan's objectives scaled: 110 raises them by a tenth.",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        plan_field = cast(forms.ModelChoiceField, self.fields["plan"])
        plan_field.queryset = CommissionPlan.objects.filter(organization=organization).order_by("name")

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)


class RepInviteForm(forms.Form):
    """A new rep or sales manager: who they are, their manager and team."""

    email = forms.EmailField()
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(role.value, role.label) for role in (Role.REP, Role.MANAGER)])
    manager = forms.ModelChoiceField(queryset=Membership.objects.none(), required=False)
    team = forms.CharField(max_length=100, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        manager_field = cast(forms.ModelChoiceField, self.fields["manager"])
        manager_field.queryset = Membership.objects.filter(
            organization=organization, role=Role.MANAGER, is_active=True
        ).select_related("user")
        manager_field.label_from_instance = lambda m: m.user.get_full_name() or m.user.email  # type: ignore[method-assign]
