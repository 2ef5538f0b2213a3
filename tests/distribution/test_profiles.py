"""Salesperson profile pages and service: who may see and edit, validation, audit, what a run reads."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from distribution.engine import load_text
from distribution.models import Campaign, SalespersonProfile
from distribution.selectors.inputs import RunOptions, distribution_plan, distribution_prepare
from distribution.services.profiles import ProfileTerms, profile_save
from revops.models import AuditEvent
from tests.distribution.conftest import ROUND_ROBIN, TODAY
from tests.distribution.factories import LeadFactory, SalespersonProfileFactory

pytestmark = pytest.mark.django_db


def _rows():
    return list(
        SalespersonProfile.objects.order_by("pk").values_list(
            "pk",
            "user_id",
            "campaign_id",
            "active",
            "level",
            "target_leads",
            "capacity",
            "working_days",
            "out_of_office",
        )
    )


def _post(profile=None, **overrides):
    data = {
        "user": profile.user_id if profile else "",
        "campaign": "",
        "active": "on",
        "team": "East",
        "level": "senior",
        "target_leads": "12",
        "capacity": "40",
        "working_days": ["1", "2", "3", "4", "5"],
        "out_of_office": "",
    }
    data.update(overrides)
    return data


def test_admin_edits_a_profile_and_the_next_run_reads_it(client_for, admin, org, rep, other_rep, floor):
    # given the rep's profile, and leads enough for both reps
    profile = SalespersonProfile.objects.get(user=rep.user)
    # when the admin marks the rep out of office today (a Wednesday) and lowers the capacity
    response = client_for(admin).post(
        reverse("distribution:profile", args=[profile.pk]),
        _post(
            profile,
            capacity="5",
            out_of_office=f"{TODAY.isoformat()} {(TODAY + dt.timedelta(days=2)).isoformat()}",
        ),
    )
    # then it is saved and audited with before and after
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.capacity == 5
    assert profile.level == "senior"
    assert profile.out_of_office == [{"start": "2026-03-04", "end": "2026-03-06"}]
    event = AuditEvent.objects.get(action="distribution.profile_update")
    assert (event.before["capacity"], event.after["capacity"]) == (20, 5)
    # and a run on that day skips the rep as out of office
    prepared = distribution_prepare(
        org, load_text(ROUND_ROBIN), options=RunOptions(dry_run=True), today=TODAY
    )
    rep_ids = {r.id for r in prepared.reps}
    assert rep.user.pk in rep_ids
    plan_owners = {a.rep_id for a in distribution_plan(prepared).assignments}
    assert plan_owners == {other_rep.user.pk}


def test_admin_creates_a_campaign_profile_and_a_duplicate_is_refused(client_for, admin, org, rep, floor):
    # given
    campaign = Campaign.objects.create(organization=org, name="Spring")
    client = client_for(admin)
    # when
    first = client.post(
        reverse("distribution:profile-new"), _post(user=str(rep.user.pk), campaign=str(campaign.pk))
    )
    before = _rows()
    second = client.post(
        reverse("distribution:profile-new"), _post(user=str(rep.user.pk), campaign=str(campaign.pk))
    )
    # then the first is saved, the second shown again with the reason and nothing written
    assert first.status_code == 302
    assert SalespersonProfile.objects.filter(user=rep.user, campaign=campaign, level="senior").count() == 1
    assert second.status_code == 200
    assert "already has a profile for campaign Spring" in second.content.decode()
    assert _rows() == before


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"out_of_office": "2026-03-09 2026-03-02"}, "out_of_office", "ends before it starts"),
        ({"out_of_office": "next week"}, "out_of_office", "Line 1: write a range as two dates"),
        ({"working_days": []}, "working_days", "This field is required"),
        ({"capacity": "-1"}, "capacity", "greater than or equal to 0"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    client_for, admin, rep, floor, overrides, field, message
):
    # given
    profile = SalespersonProfile.objects.get(user=rep.user)
    before, audits = _rows(), AuditEvent.objects.count()
    # when
    response = client_for(admin).post(
        reverse("distribution:profile", args=[profile.pk]), _post(profile, **overrides)
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="errors-{field}"' in html
    assert message in html
    assert _rows() == before
    assert AuditEvent.objects.count() == audits


def test_service_refuses_a_member_of_another_organization_and_weekdays_out_of_range(
    org, other_org_admin, rep
):
    before = _rows()
    with pytest.raises(ValidationError) as stranger:
        profile_save(
            organization=org,
            actor=None,
            terms=ProfileTerms(user_id=other_org_admin.user.pk, campaign_id=None),
        )
    with pytest.raises(ValidationError) as days:
        profile_save(
            organization=org,
            actor=None,
            terms=ProfileTerms(user_id=rep.user.pk, campaign_id=None, working_days=(0, 8)),
        )
    assert set(stranger.value.message_dict) == {"user"}
    assert set(days.value.message_dict) == {"working_days"}
    assert _rows() == before


def test_saving_unchanged_terms_writes_no_audit_row(admin, org, rep):
    terms = ProfileTerms(user_id=rep.user.pk, campaign_id=None, level="mid")
    profile = profile_save(organization=org, actor=admin.user, terms=terms)
    again = profile_save(organization=org, actor=admin.user, terms=terms, profile=profile)
    assert again.pk == profile.pk
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["distribution.profile_create"]


def test_list_shows_terms_and_open_leads_and_filters_by_campaign(client_for, manager, org, rep, other_rep):
    # given a profile for every campaign and one for Spring, and three open leads of the rep
    spring = Campaign.objects.create(organization=org, name="Spring")
    SalespersonProfileFactory(organization=org, user=rep.user, capacity=25, level="senior")
    SalespersonProfileFactory(
        organization=org, user=other_rep.user, campaign=spring, capacity=7, level="junior"
    )
    for i in range(3):
        LeadFactory(organization=org, name=f"Open {i}", owner=rep.user)
    client = client_for(manager)
    # when
    every = client.get(reverse("distribution:profiles")).content.decode()
    only_spring = client.get(reverse("distribution:profiles"), {"campaign": spring.pk}).content.decode()
    # then the manager sees both rows, read-only, with the open-lead count
    assert "senior" in every and "junior" in every
    assert '<td class="num">3</td>' in every
    assert reverse("distribution:profile-new") not in every
    assert "senior" not in only_spring and "junior" in only_spring


def test_reps_and_other_organizations_cannot_open_profiles(client_for, rep, other_org_admin, manager, floor):
    profile = SalespersonProfile.objects.get(user=rep.user)
    url = reverse("distribution:profile", args=[profile.pk])
    assert client_for(rep).get(reverse("distribution:profiles")).status_code == 403
    assert client_for(manager).get(url).status_code == 403
    assert client_for(other_org_admin).get(url).status_code == 404
    assert client_for(other_org_admin).post(url, _post(profile, capacity="1")).status_code == 404
    profile.refresh_from_db()
    assert profile.capacity == 20
