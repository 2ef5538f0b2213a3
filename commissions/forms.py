"""Input forms of the commission pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from commissions.filters import MONTH_FORMATS


class ComputeForm(forms.Form):
    """The month whose statements finance (re)computes: "2026-03" or any day of it."""

    month = forms.DateField(input_formats=MONTH_FORMATS, error_messages={"required": "Choose a month."})

    def clean_month(self) -> dt.date:
        return self.cleaned_data["month"].replace(day=1)
