"""Input forms of the commission pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from commissions.filters import MONTH_FORMATS
from commissions.models import DisputeKind


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
