"""Input of the marketing pages."""

from __future__ import annotations

from django import forms

from attribution.marketing.models import Frequency, ModelConfig


class RunForm(forms.Form):
    config = forms.ModelChoiceField(queryset=ModelConfig.objects.none(), label="Configuration")
    window_start = forms.DateField(label="From")
    window_end = forms.DateField(label="To")

    def __init__(self, *args, organization, path_set=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        configs = ModelConfig.objects.filter(organization=organization, is_current=True)
        if path_set is not None:
            # "Run a model on this path set": only the configurations that run on it.
            configs = configs.filter(path_set=path_set)
        self.fields["config"].queryset = configs  # type: ignore[attr-defined]

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


# A year of days is the usual window; ten years is more history than any touch table holds.
MAX_WINDOW_DAYS = 3660


class PathSetUploadForm(forms.Form):
    name = forms.CharField(max_length=80, label="Path set name", strip=True)
    file = forms.FileField(
        help_text="CSV (ChannelAttribution's format: path;total_conversions;total_conversion_value;total_null) or XLSX."
    )


class ScheduleForm(forms.Form):
    """A schedule's settings; on a new schedule also the configuration it runs (by name)."""

    config_name = forms.ChoiceField(label="Configuration")
    frequency = forms.ChoiceField(choices=Frequency.choices)
    window_days = forms.IntegerField(
        min_value=1, max_value=MAX_WINDOW_DAYS, label="Window (days up to yesterday)", initial=365
    )
    enabled = forms.BooleanField(required=False, initial=True)

    def __init__(
        self, *args, config_names: list[str], taken: set[str] = frozenset(), editing: bool = False, **kwargs
    ) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.taken = taken
        field = self.fields["config_name"]
        field.choices = [(name, name) for name in config_names]  # type: ignore[attr-defined]
        if editing:
            del self.fields["config_name"]

    def clean_config_name(self) -> str:
        name = self.cleaned_data["config_name"]
        if name in self.taken:
            raise forms.ValidationError(f"{name!r} already has a schedule; edit that one.")
        return name
