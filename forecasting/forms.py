"""Inputs of the forecast page: a member's call and a manager's adjustment."""

from __future__ import annotations

from decimal import Decimal

from django import forms


class CallForm(forms.Form):
    commit = forms.DecimalField(min_value=Decimal("0"), max_digits=18, decimal_places=2)
    best_case = forms.DecimalField(min_value=Decimal("0"), max_digits=18, decimal_places=2)
    pipeline = forms.DecimalField(min_value=Decimal("0"), max_digits=18, decimal_places=2)
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        c, b, p = data.get("commit"), data.get("best_case"), data.get("pipeline")
        if None not in (c, b, p) and not (c <= b <= p):
            raise forms.ValidationError("Commit ≤ best case ≤ pipeline.")
        return data


class AdjustForm(forms.Form):
    adjusted_commit = forms.DecimalField(min_value=Decimal("0"), max_digits=18, decimal_places=2)
    reason = forms.CharField(max_length=500)


class TargetForm(forms.Form):
    target = forms.DecimalField(required=False, min_value=Decimal("0"), max_digits=18, decimal_places=2)
