"""The ledger follows every change that moves splits, through one queued alignment job.

For every deal, the ledger's total per partner equals what the deal page explains: the engine's
current splits applied to the deal's revenue. A settings change (made in the admin or the API),
a rule change or a link change queues the alignment; the job recomputes only the accounts the
change can reach and records the state it aligned to.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.models import AttributionEntry, AttributionSettings, OpportunityPartner
from attribution.services.links import opportunity_partner_set
from attribution.services.rules import rule_create
from attribution.services.settings import attribution_settings_update
from revops.models import AuditEvent, JobRun, Partner
from revops.services.crm import record_update
from tests.attribution.factories_alignment import (
    DEFAULTS,
    align_ledger,
    alignment_world,
    explained_by_deal,
    ledger_by_deal,
)

pytestmark = pytest.mark.django_db


def test_admin_settings_change_brings_the_ledger_in_line_with_the_deal_page(
    org, admin, client_for, django_capture_on_commit_callbacks
):
    # given: the ledger aligned with ISV at the 5 % default
    deals = alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    assert ledger_by_deal(org) == explained_by_deal(org)
    settings = AttributionSettings.objects.get(organization=org)
    entries_before = AttributionEntry.objects.count()
    # when: an admin changes the ISV default to 6 % in the admin
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("admin:attribution_attributionsettings_change", args=[settings.pk]),
            {
                "enforce_account_cap": "on",
                "si_mode": "live_share",
                "si_fixed_percent": "0",
                "default_si": "0",
                "default_influence": "2",
                "default_referral": "10",
                "default_isv": "6",
            },
        )
    # then: for every deal the ledger totals equal the explained splits; ISV credit moved 5 → 6 %
    assert response.status_code == 302
    assert ledger_by_deal(org) == explained_by_deal(org)
    isv_totals = {
        deal_id: totals
        for deal_id, totals in ledger_by_deal(org).items()
        if deal_id in (deals[0].pk, deals[2].pk)
    }
    isv_id = AttributionEntry.objects.filter(role="isv").values_list("partner_id", flat=True).first()
    assert [isv_totals[d.pk][isv_id] for d in (deals[0], deals[2])] == [Decimal("80.00"), Decimal("80.00")]
    # only the two ISV links' events got an adjustment each; nothing else was posted
    job = JobRun.objects.filter(organization=org).latest("pk")
    assert job.idempotency_key.startswith("attribution.recompute:settings-")
    assert (job.status, job.counts["accounts"], job.counts["by_kind"]) == ("succeeded", 2, {"adjustment": 4})
    assert AttributionEntry.objects.count() == entries_before + 4


def test_api_settings_change_queues_the_alignment(org, admin, django_capture_on_commit_callbacks):
    # given
    alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    api = APIClient()
    api.force_login(admin.user)
    # when: the referral default goes 10 → 12 %
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            "/api/v1/attribution/settings/", {"default_splits": {"referral": "12"}}, format="json"
        )
    # then
    assert response.status_code == 200
    assert ledger_by_deal(org) == explained_by_deal(org)
    job = JobRun.objects.filter(organization=org).latest("pk")
    assert (job.status, job.counts["accounts"]) == ("succeeded", 3)  # the three with referral links


def test_a_settings_save_that_changes_nothing_queues_nothing(org, admin, django_capture_on_commit_callbacks):
    # given
    alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    jobs = JobRun.objects.count()
    # when
    attribution_settings_update(organization=org, actor=admin.user, data={"default_splits": DEFAULTS})
    # then
    assert JobRun.objects.count() == jobs


def test_default_splits_equal_in_value_are_no_change(org, admin, django_capture_on_commit_callbacks):
    # given
    alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    jobs = JobRun.objects.count()
    # when: 10 written as 10.00 and 5 as 5.0
    saved = attribution_settings_update(
        organization=org,
        actor=admin.user,
        data={"default_splits": {**DEFAULTS, "referral": "10.00", "isv": "5.0"}},
    )
    # then: nothing written, audited or queued
    assert saved.job is None
    assert AttributionSettings.objects.get(organization=org).default_splits == DEFAULTS
    assert JobRun.objects.count() == jobs
    assert not AuditEvent.objects.filter(action="attributionsettings.update").exists()


def test_without_the_alignment_the_ledger_would_disagree(org, admin, django_capture_on_commit_callbacks):
    # given: the ledger aligned, then a settings change whose alignment is not run
    alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    attribution_settings_update(
        organization=org, actor=admin.user, data={"default_splits": {**DEFAULTS, "isv": "6"}}
    )
    # then: the deal page explains 6 %, the ledger still holds 5 % (what the queued job fixes)
    assert ledger_by_deal(org) != explained_by_deal(org)


def test_a_rule_change_recomputes_only_the_accounts_it_can_reach(
    org, admin, django_capture_on_commit_callbacks
):
    # given
    deals = alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    # when: a rule capping referral partners at 5 % in EMEA
    with django_capture_on_commit_callbacks(execute=True):
        saved = rule_create(
            organization=org,
            actor=admin.user,
            name="EMEA referral cap",
            definition={
                "conditions": {"roles": ["referral"], "regions": ["emea"]},
                "action": {"kind": "cap", "percent": "5"},
            },
        )
    # then: one account reached (Account 0), only Deal 0.0's two events adjusted
    saved.job.refresh_from_db()
    assert (saved.job.status, saved.job.counts["accounts"], saved.job.counts["events"]) == ("succeeded", 1, 2)
    assert ledger_by_deal(org) == explained_by_deal(org)
    referral = OpportunityPartner.objects.get(opportunity=deals[0], role="referral").partner_id
    assert ledger_by_deal(org)[deals[0].pk][referral] == Decimal(
        "66.66"
    )  # 5 % of 1,000.00 and of 333.33 (16.66)


def test_a_split_change_recomputes_only_its_account(org, admin, django_capture_on_commit_callbacks):
    # given
    deals = alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    link = OpportunityPartner.objects.get(opportunity=deals[3])
    # when
    with django_capture_on_commit_callbacks(execute=True):
        opportunity_partner_set(
            membership=admin,
            opportunity=deals[3],
            partner=link.partner,
            role="referral",
            split_percent=Decimal("20"),
            reason="Renegotiated",
        )
    # then: the job names the deal's account; only its deals' four events were compared
    job = JobRun.objects.filter(organization=org).latest("pk")
    assert (job.params, job.counts["accounts"], job.counts["events"], job.counts["by_kind"]) == (
        {"narrow": True, "accounts": [deals[3].account_id]},
        1,
        4,
        {"adjustment": 2},
    )
    assert ledger_by_deal(org) == explained_by_deal(org)


def test_a_partner_tier_change_used_by_a_rule_brings_the_ledger_in_line(
    org, admin, django_capture_on_commit_callbacks
):
    # given: gold partners get 25 %; the referrer is gold, the ledger aligned
    deals = alignment_world(org)
    with django_capture_on_commit_callbacks(execute=True):
        rule_create(
            organization=org,
            actor=admin.user,
            name="Gold 25",
            definition={
                "conditions": {"partner_tiers": ["gold"]},
                "action": {"kind": "set_split", "percent": "25"},
            },
        )
    align_ledger(org, admin.user, django_capture_on_commit_callbacks, key="after-rule")
    referrer = Partner.objects.get(organization=org, name="Referrer")
    assert ledger_by_deal(org)[deals[4].pk] == {referrer.pk: Decimal("333.33")}
    # when: the partner drops to silver (an edit in the admin or the partner page)
    with django_capture_on_commit_callbacks(execute=True):
        record_update(instance=referrer, actor=admin.user, data={"tier": "silver"})
    # then: the rule no longer matches; the ledger follows, through one job for its accounts
    job = JobRun.objects.filter(organization=org).latest("pk")
    assert (job.status, job.params) == (
        "succeeded",
        {"narrow": True, "accounts": sorted({deals[0].account_id, deals[3].account_id, deals[4].account_id})},
    )
    assert ledger_by_deal(org) == explained_by_deal(org)
    assert ledger_by_deal(org)[deals[4].pk] == {referrer.pk: Decimal("133.33")}


def test_a_change_no_split_reads_queues_nothing(org, admin, django_capture_on_commit_callbacks):
    # given
    alignment_world(org)
    align_ledger(org, admin.user, django_capture_on_commit_callbacks)
    referrer = Partner.objects.get(organization=org, name="Referrer")
    jobs = JobRun.objects.count()
    # when
    record_update(instance=referrer, actor=admin.user, data={"name": "Referrer Ltd"})
    # then
    assert JobRun.objects.count() == jobs
