"""Input forms of the core pages."""

from __future__ import annotations

from django import forms

from revops.selectors.periods import DEFAULT_PERIOD, PeriodChoice


class PeriodFilterForm(forms.Form):
    """A period drop-down that shows the period in use, also when none was asked for."""

    period = forms.ChoiceField(choices=PeriodChoice.choices, required=False)

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("period"):
            data = data.copy()
            data["period"] = DEFAULT_PERIOD
        super().__init__(data, **kwargs)

    def selected_period(self) -> str:
        self.is_valid()  # fills cleaned_data with the fields that are valid
        return self.cleaned_data.get("period") or DEFAULT_PERIOD


class DashboardFilterForm(PeriodFilterForm):
    product_line: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="All product lines"
    )

    def __init__(self, data=None, *, product_lines, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["product_line"].queryset = product_lines

    def selected(self) -> tuple[str, int | None]:
        """(period, product line id) from the valid fields; defaults for anything invalid."""
        self.is_valid()  # fills cleaned_data with the fields that are valid
        product_line = self.cleaned_data.get("product_line")
        return self.cleaned_data.get("period") or DEFAULT_PERIOD, product_line.pk if product_line else None


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, strip=True)


class OrganizationSwitchForm(forms.Form):
    organization = forms.IntegerField(min_value=1)
