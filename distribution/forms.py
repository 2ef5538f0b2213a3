"""Input of the distribution pages."""

from __future__ import annotations

from datetime import date

from django import forms

from distribution.models import RunMode


class ConfigForm(forms.Form):
    name = forms.CharField(max_length=120)
    document = forms.CharField(widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    active = forms.BooleanField(required=False, initial=True)


class RunForm(forms.Form):
    mode = forms.ChoiceField(choices=RunMode.choices)
    max_leads = forms.IntegerField(required=False, min_value=1)


WEEKDAYS = [(1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun")]


class ProfileForm(forms.Form):
    """A salesperson profile. Out-of-office: one range a line, `2026-03-01 2026-03-05` (inclusive)."""

    user = forms.TypedChoiceField(coerce=int, label="Rep")
    campaign = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Campaign")
    active = forms.BooleanField(required=False, initial=True)
    team = forms.CharField(max_length=60, required=False)
    level = forms.CharField(max_length=40, required=False)
    target_leads = forms.IntegerField(required=False, min_value=0, label="Target leads per run")
    capacity = forms.IntegerField(required=False, min_value=0, label="Capacity (open leads)")
    working_days = forms.TypedMultipleChoiceField(
        coerce=int, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, initial=[1, 2, 3, 4, 5]
    )
    out_of_office = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-03-01 2026-03-05"}),
        label="Out of office",
    )

    def __init__(self, *args, members=(), campaigns=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [
            (m.user_id, f"{m.user.get_full_name() or m.user.email} ({m.user.email})") for m in members
        ]
        self.fields["campaign"].choices = [("", "All campaigns"), *((c.pk, c.name) for c in campaigns)]

    def clean_out_of_office(self) -> tuple[tuple[date, date], ...]:
        ranges = []
        for number, line in enumerate(self.cleaned_data["out_of_office"].splitlines(), start=1):
            parts = line.replace("–", " ").replace("..", " ").split()
            if not parts:
                continue
            try:
                if len(parts) not in (1, 2):
                    raise ValueError
                start = date.fromisoformat(parts[0])
                end = date.fromisoformat(parts[-1])
            except ValueError:
                raise forms.ValidationError(
                    f"Line {number}: write a range as two dates, YYYY-MM-DD YYYY-MM-DD (got {line.strip()!r})."
                ) from None
            ranges.append((start, end))
        return tuple(ranges)


def profile_initial(profile) -> dict:
    """The form's initial values for a stored profile."""
    return {
        "user": profile.user_id,
        "campaign": profile.campaign_id or "",
        "active": profile.active,
        "team": profile.team,
        "level": profile.level,
        "target_leads": profile.target_leads,
        "capacity": profile.capacity,
        "working_days": profile.working_days,
        "out_of_office": "\n".join(f"{r.get('start')} {r.get('end')}" for r in profile.out_of_office or []),
    }
