"""Attribution settings page: a percent field per role, a preview that writes nothing, a save that
queues the ledger alignment (and the ledger ends in line with the deal page), refusals that name
the field and change nothing, and only settings editors get in."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution.models import AttributionEntry, AttributionSettings, PartnerRole
from attribution.selectors import settings_preview
from revops.models import AuditEvent, JobRun, Partner
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.attribution.factories_alignment import (
    DEFAULTS,
    align_ledger,
    alignment_world,
    explained_by_deal,
    ledger_by_deal,
)
from tests.revops.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

URL = reverse("attribution:settings")
PREVIEW_URL = reverse("attribution:settings-preview")
D = Decimal


@pytest.fixture
def deals(org, admin, django_capture_on_commit_callbacks):
    """The alignment book (ISV 5 %, referral 10 % by default), its ledger in line."""
    deals = alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    return deals


def _form(**changes) -> dict:
    data = {
        "si_mode": "live_share",
        "si_fixed_percent": "0",
        "enforce_account_cap": "on",
        **{f"default_{role}": value for role, value in DEFAULTS.items()},
    }
    return {**data, **changes}


def _unchanged(org) -> tuple:
    settings = AttributionSettings.objects.get(organization=org)
    return (
        settings.default_splits,
        settings.si_mode,
        settings.si_fixed_percent,
        settings.enforce_account_cap,
        JobRun.objects.count(),
        AuditEvent.objects.count(),
        AttributionEntry.objects.count(),
    )


def test_the_page_has_a_percent_field_per_role_holding_the_saved_defaults(org, deals, admin, client_for):
    # when
    response = client_for(admin).get(URL)
    # then
    form = response.context["form"]
    assert response.status_code == 200
    assert [name for name in form.fields if name.startswith("default_")] == [
        f"default_{role}" for role in PartnerRole.values
    ]
    assert form.initial["default_isv"] == D("5")
    html = response.content.decode()
    assert '<label for="id_default_referral">Referral default split</label>' in html
    assert 'id="settings-alignment"' in html


def test_the_preview_shows_what_would_move_and_saves_nothing(org, deals, admin, client_for):
    # given
    before = _unchanged(org)
    # when: ISV 5 → 6 %
    response = client_for(admin).post(PREVIEW_URL, _form(default_isv="6"), HTTP_HX_REQUEST="true")
    # then: the two deals with an ISV link on the default move; 1,000.00 + 333.33 of revenue each
    assert response.status_code == 200
    assert response.templates[0].name == "attribution/partials/settings_preview.html"
    preview = response.context["preview"]
    assert (preview.deals_changed, preview.accounts_changed, preview.events, preview.capped) == (
        2,
        0,
        4,
        False,
    )
    assert [(m.partner_name, m.role, m.ledger_before, m.ledger_after) for m in preview.moves] == [
        ("Isv Co", "isv", D("133.34"), D("160.00")),
        ("Referrer", "referral", D("133.33"), D("133.33")),  # shares Deal 0.0 with the ISV, unmoved
    ]
    assert [(t.name, t.ledger_before, t.ledger_after) for t in preview.top] == [
        ("Deal 0.0", D("200.00"), D("213.33")),
        ("Deal 1.0", D("66.67"), D("80.00")),
    ]
    isv = preview.top[1].shares[0]
    assert (isv.before_percent, isv.after_percent, isv.change) == (D("5.00"), D("6.00"), D("13.33"))
    html = response.content.decode()
    assert "Nothing has been saved. 2 deals would change split, over 4 revenue events." in html
    assert f'href="{reverse("attribution:deal", args=[deals[0].pk])}"' in html
    assert _unchanged(org) == before


def test_the_preview_of_the_saved_values_moves_nothing(org, deals, admin, client_for):
    # when
    response = client_for(admin).post(PREVIEW_URL, _form(default_referral="10.00"), HTTP_HX_REQUEST="true")
    # then
    assert response.context["preview"].moves_anything is False
    assert 'id="settings-preview-none"' in response.content.decode()


def test_a_preview_past_the_cap_looks_at_the_first_accounts_and_says_so(
    org, deals, admin, client_for, monkeypatch
):
    # given: the ISV change reaches two accounts; the preview may look at one
    monkeypatch.setattr(settings_preview, "PREVIEW_ACCOUNTS_MAX", 1)
    # when
    response = client_for(admin).post(PREVIEW_URL, _form(default_isv="6"), HTTP_HX_REQUEST="true")
    # then
    preview = response.context["preview"]
    assert (preview.capped, preview.accounts_examined, preview.deals_changed) == (True, 1, 1)
    assert 'id="settings-preview-capped"' in response.content.decode()


@pytest.mark.parametrize(("_case", "url"), [("save", URL), ("preview", PREVIEW_URL)])
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("default_referral", "150", "Referral default split: enter a percent from 0 to 100, with at most two decimals."),
        ("default_influence", "2.125", "Influence default split: enter a percent from 0 to 100, with at most two decimals."),
        ("default_isv", "", "ISV default split: enter a percent from 0 to 100, with at most two decimals."),
        ("si_fixed_percent", "-1", "SI fixed percent: enter a percent from 0 to 100, with at most two decimals."),
    ],
)  # fmt: skip
def test_an_invalid_percent_is_refused_naming_the_field_and_changes_nothing(
    org, deals, admin, client_for, _case, url, field, value, message
):
    # given
    before = _unchanged(org)
    # when
    response = client_for(admin).post(url, _form(**{field: value}))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert message in response.content.decode()
    assert _unchanged(org) == before


def test_saving_queues_the_alignment_and_the_ledger_ends_in_line_with_the_deal_page(
    org, deals, admin, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(admin)
    # when: ISV 5 → 6 %, influence 2 → 2.5 %
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, _form(default_isv="6", default_influence="2.5"))
    # then: saved and audited; the alignment ran; the ledger follows the deal page
    assert (response.status_code, response["Location"]) == (302, URL)
    settings = AttributionSettings.objects.get(organization=org)
    assert (settings.defaults.isv, settings.defaults.influence) == (D("6"), D("2.5"))
    assert AuditEvent.objects.filter(action="attributionsettings.update").count() == 1
    job = JobRun.objects.filter(organization=org).latest("pk")
    assert job.idempotency_key.startswith("attribution.recompute:settings-")
    assert (job.status, job.counts["accounts"]) == ("succeeded", 2)
    assert ledger_by_deal(org) == explained_by_deal(org)
    isv_id = AttributionEntry.objects.filter(role="isv").values_list("partner_id", flat=True).first()
    assert ledger_by_deal(org)[deals[2].pk][isv_id] == D("80.00")
    # and the page shows the job, its progress bar and a link to it
    page = client.get(URL)
    html = page.content.decode()
    assert page.context["alignment"] == job
    assert f"Settings saved; the ledger is being brought in line (job #{job.pk})." in html
    assert f'id="job-{job.pk}"' in html
    assert f'href="{reverse("revops:job-progress", args=[job.pk])}"' in html


def test_saving_the_same_values_queues_nothing(org, deals, admin, client_for):
    # given
    before = _unchanged(org)
    # when
    response = client_for(admin).post(URL, _form(default_isv="5.00"), follow=True)
    # then
    assert "Nothing changed: no split moves." in response.content.decode()
    assert _unchanged(org) == before


@pytest.mark.parametrize("role", ["manager", "finance_admin", "rep", "partner_user"])
def test_only_settings_editors_get_in(org, deals, client_for, request, role):
    # given
    client = client_for(request.getfixturevalue(role))
    before = _unchanged(org)
    # when
    answers = [
        client.get(URL).status_code,
        client.post(URL, _form(default_isv="6")).status_code,
        client.post(PREVIEW_URL, _form(default_isv="6")).status_code,
    ]
    # then: refused (partner users do not even find the page)
    refused = 404 if role == "partner_user" else 403
    assert answers == [refused] * 3
    assert _unchanged(org) == before


def test_the_preview_reads_the_same_number_of_queries_for_a_bigger_book(
    org, deals, admin, django_capture_on_commit_callbacks
):
    # given: the preview's queries on the book, then the book with two more ISV deals
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            settings_preview.settings_change_preview(
                organization=org, data={"default_splits": {**DEFAULTS, "isv": "6"}}
            )
        return len(captured)

    small = queries()
    isv = Partner.objects.get(organization=org, name="Isv Co")
    for _ in range(2):
        deal = OpportunityFactory(organization=org, amount=D("5000.00"))
        OpportunityPartnerFactory(
            organization=org, opportunity=deal, partner=isv, role="isv", split_percent=None
        )
        RevenueEventFactory(organization=org, opportunity=deal, account=deal.account, amount=D("500.00"))
    align_ledger(org, admin.user, django_capture_on_commit_callbacks, key="bigger")
    # when
    big = queries()
    # then
    assert big == small
