"""Forms of the partner program: the registration a partner submits, decisions in the queue."""

from __future__ import annotations

from django import forms

from partners.models import ActivityType, ApprovalKind, DisputeStatus, RegistrationStatus
from partners.selectors.analytics import AnalyticsFilter
from revops.forms import PeriodFilterForm
from revops.models import Account, Opportunity, Organization, Partner, ProductLine
from revops.models.crm import PartnerType, Region
from revops.selectors.periods import organization_today, period_range


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the service checks each one's size and type)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class RegistrationForm(forms.Form):
    account_name = forms.CharField(label="Company", max_length=200)
    domain = forms.CharField(label="Web domain", max_length=200, required=False)
    contact_name = forms.CharField(label="Contact", max_length=200, required=False)
    contact_email = forms.EmailField(label="Contact e-mail", required=False)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    estimated_value = forms.DecimalField(
        label="Estimated value", max_digits=18, decimal_places=2, min_value=0
    )
    currency = forms.CharField(max_length=3, initial="USD")
    product_line = forms.ModelChoiceField(queryset=ProductLine.objects.none())
    expected_close = forms.DateField(label="Expected close", widget=forms.DateInput(attrs={"type": "date"}))
    role = forms.ChoiceField(label="Your role", choices=PartnerType.choices)
    attachments = MultipleFileField(required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product_line"].queryset = ProductLine.objects.filter(organization=organization)  # type: ignore[attr-defined]


class LinkRegistrationForm(RegistrationForm):
    """The public form behind a signed registration link: who fills it in, then the deal."""

    submitter_name = forms.CharField(label="Your name", max_length=200)
    submitter_email = forms.EmailField(label="Your e-mail")

    field_order = ["submitter_name", "submitter_email"]


class LinkCreateForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=Partner.objects.none())
    days = forms.IntegerField(label="Valid for (days)", min_value=1, max_value=366, initial=90)
    label = forms.CharField(max_length=120, required=False, help_text="Who it is for, e.g. 'sales team'.")

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners  # type: ignore[attr-defined]


class ColleagueInviteForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150, required=False)


class DecideForm(forms.Form):
    action = forms.ChoiceField(choices=[("approve", "Approve"), ("reject", "Reject")])
    reason = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the partner a reason for the rejection.")
        return data


class BulkDecideForm(DecideForm):
    """Requests picked in the queue: `<kind>:<id>` each (a bare id is a registration)."""

    ids = forms.CharField()

    def clean_ids(self) -> list[tuple[str, int]]:
        keys = set()
        try:
            for value in self.data.getlist("ids"):
                kind, _, pk = value.rpartition(":")
                kind = kind or ApprovalKind.REGISTRATION
                if kind not in ApprovalKind.values:
                    raise ValueError(kind)
                keys.add((kind, int(pk)))
        except ValueError as exc:
            raise forms.ValidationError("Pick requests from the list.") from exc
        if not keys:
            raise forms.ValidationError("Pick requests from the list.")
        return sorted(keys)


class QueueFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "All kinds"), *ApprovalKind.choices], required=False)
    status = forms.ChoiceField(choices=[("", "All"), *RegistrationStatus.choices], required=False)
    conflict = forms.ChoiceField(
        choices=[("", "Any"), ("yes", "In conflict"), ("no", "No conflict")], required=False
    )
    sort = forms.ChoiceField(
        choices=[
            ("sla", "SLA (soonest first)"),
            ("-value", "Value (largest first)"),
            ("-submitted", "Newest"),
        ],
        required=False,
    )


class TouchpointForm(forms.Form):
    """What a partner fills in to report an activity (portal and API)."""

    account = forms.ModelChoiceField(queryset=Account.objects.none())
    opportunity = forms.ModelChoiceField(
        label="Deal (optional)", queryset=Opportunity.objects.none(), required=False
    )
    activity_type = forms.ChoiceField(label="Activity", choices=ActivityType.choices)
    occurred_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    attachments = MultipleFileField(label="Evidence", required=False)

    def __init__(self, *args, accounts, deals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts  # type: ignore[attr-defined]
        self.fields["opportunity"].queryset = deals  # type: ignore[attr-defined]


class DisputeForm(forms.Form):
    """What a partner (or a rep for a partner) says when opening a dispute."""

    claim = forms.CharField(label="What is wrong", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    proposed_split_percent = forms.DecimalField(
        label="Split you ask for (%)", max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    attachments = MultipleFileField(label="Evidence", required=False)


class DisputeCommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DisputeResolveForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    reason = forms.CharField(required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Give the partner a reason for the rejection.")
        return data


class DisputeFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("pending", "Pending"), ("", "All"), *DisputeStatus.choices], required=False
    )
    overdue = forms.ChoiceField(choices=[("", "Any"), ("yes", "Past SLA")], required=False)
    sort = forms.ChoiceField(
        choices=[("due", "Due (soonest first)"), ("-due", "Due (latest first)"), ("-opened", "Newest")],
        required=False,
    )


class AnalyticsFilterForm(PeriodFilterForm):
    """The partner analytics filters: period, partner type (the role played), tier, region."""

    role = forms.ChoiceField(
        choices=[("", "Any type"), *PartnerType.choices], required=False, label="Partner type"
    )
    tier = forms.ChoiceField(choices=[("", "Any tier"), *Partner.Tier.choices], required=False)
    region = forms.ChoiceField(choices=[("", "Any region"), *Region.choices], required=False)

    def selected(self, organization: Organization) -> AnalyticsFilter:
        """The filters from the valid fields; an invalid one is left out (all of it shown)."""
        period = self.selected_period()
        data = self.cleaned_data
        return AnalyticsFilter(
            dates=period_range(organization, period, organization_today(organization)),
            role=data.get("role") or "",
            tier=data.get("tier") or "",
            region=data.get("region") or "",
        )
