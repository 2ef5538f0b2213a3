"""The settings admin: one percent field per partner role (no JSON box), saved through the
settings service, so an admin edit is audited and queues the ledger alignment."""

from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.models import AttributionSettings, PartnerRole
from revops.models import AuditEvent, JobRun

pytestmark = pytest.mark.django_db

DEFAULTS = {"si": "0", "influence": "2", "referral": "10", "isv": "5"}


@pytest.fixture
def settings(org):
    return AttributionSettings.objects.create(organization=org, default_splits=DEFAULTS)


def _url(settings) -> str:
    return reverse("admin:attribution_attributionsettings_change", args=[settings.pk])


def _post(settings, **changes) -> dict:
    data = {
        "enforce_account_cap": "on",
        "si_mode": "live_share",
        "si_fixed_percent": "0",
        **{f"default_{role}": value for role, value in DEFAULTS.items()},
    }
    return {**data, **changes}


def _state(org):
    settings = AttributionSettings.objects.get(organization=org)
    return (
        settings.default_splits,
        settings.si_fixed_percent,
        JobRun.objects.count(),
        AuditEvent.objects.filter(action="attributionsettings.update").count(),
    )


def test_the_change_form_has_a_percent_field_per_role_and_no_json_box(org, admin, settings, client_for):
    # when
    response = client_for(admin).get(_url(settings))
    # then
    form = response.context["adminform"].form
    assert response.status_code == 200
    assert [name for name in form.fields if name.startswith("default")] == [
        f"default_{role}" for role in PartnerRole.values
    ]
    assert {name: form.initial[name] for name in form.fields if name.startswith("default_")} == {
        f"default_{role}": Decimal(value) for role, value in DEFAULTS.items()
    }
    assert 'name="default_splits"' not in response.content.decode()


def test_a_role_field_change_is_saved_audited_and_queues_the_alignment(
    org, admin, settings, client_for, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks() as callbacks:
        response = client_for(admin).post(_url(settings), _post(settings, default_isv="6.5"))
    # then
    assert response.status_code == 302
    settings.refresh_from_db()
    assert settings.defaults.isv == Decimal("6.5")
    audit = AuditEvent.objects.get(action="attributionsettings.update")
    assert (audit.before["default_splits"]["isv"], audit.after["default_splits"]["isv"]) == ("5", "6.5")
    job = JobRun.objects.get(organization=org)
    assert job.idempotency_key.startswith("attribution.recompute:settings-")
    assert len(callbacks) == 1  # the alignment task, queued on commit


@pytest.mark.parametrize(
    ("_case", "field", "value", "message"),
    [
        ("over 100", "default_referral", "150", "Referral default split: enter a percent from 0 to 100"),
        ("negative", "default_isv", "-1", "ISV default split: enter a percent from 0 to 100"),
        (
            "three decimals",
            "default_influence",
            "2.125",
            "Influence default split: enter a percent from 0 to 100",
        ),
        ("not a number", "si_fixed_percent", "ten", "SI fixed percent: enter a percent from 0 to 100"),
    ],
)
def test_an_invalid_percent_is_refused_naming_the_field_and_changes_nothing(
    org, admin, settings, client_for, _case, field, value, message
):
    # given
    before = _state(org)
    # when
    response = client_for(admin).post(_url(settings), _post(settings, **{field: value}))
    # then
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field]
    assert errors[field][0].startswith(message)
    assert _state(org) == before


def test_the_same_values_written_differently_are_no_change(org, admin, settings, client_for):
    # given
    before = _state(org)
    # when: 10 is sent as 10.00, 5 as 5.0
    response = client_for(admin).post(
        _url(settings), _post(settings, default_referral="10.00", default_isv="5.0")
    )
    # then
    assert response.status_code == 302
    assert _state(org) == before
