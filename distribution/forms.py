"""Input of the distribution pages."""

from __future__ import annotations

from django import forms

from distribution.models import RunMode


class ConfigForm(forms.Form):
    name = forms.CharField(max_length=120)
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    active = forms.BooleanField(required=False, initial=True)


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=RunMode.choices)
    max_leads = forms.IntegerField(required=False, min_value=1)
