"""Input of the marketing pages."""

from __future__ import annotations

from django import forms

from attribution.marketing.models import ModelConfig


class RunForm(forms.Form):
    config = forms.ModelChoiceField(queryset=ModelConfig.objects.none(), label="Configuration")
    window_start = forms.DateField(label="From")
    window_end = forms.DateField(label="To")

    def __init__(self, *args, organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["config"].queryset = ModelConfig.objects.filter(
            organization=organization, is_current=True
        )  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if (
            data
            and data.get("window_start")
            and data.get("window_end")
            and data["window_start"] > data["window_end"]
        ):
            raise forms.ValidationError("The window must start on or before its end.")
        return data
