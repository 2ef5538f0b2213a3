"""Applying a run: all or nothing when leads were taken meanwhile; state written only when applied."""

import pytest

from distribution.engine import load_text
from distribution.models import DistributionRun, Lead, LeadAssignment
from distribution.selectors.inputs import RunOptions, distribution_plan, distribution_prepare
from distribution.services.runs import distribution_run
from revops.exceptions import ApplicationError
from tests.distribution.conftest import ROUND_ROBIN, TODAY

pytestmark = pytest.mark.django_db


def test_a_lead_taken_meanwhile_refuses_the_whole_run(org, floor, saved_config, manager):
    # given a plan for the ten leads, then someone takes one of them
    prepared = distribution_prepare(
        org, load_text(ROUND_ROBIN), options=RunOptions(dry_run=False), today=TODAY
    )
    distribution_plan(prepared)
    taken = Lead.objects.order_by("pk").first()
    Lead.objects.filter(pk=taken.pk).update(owner=manager.user)
    # when
    with pytest.raises(ApplicationError, match="assigned by someone else"):
        distribution_run(organization=org, prepared=prepared, config=saved_config)
    # then nothing was written
    assert DistributionRun.objects.count() == 0
    assert LeadAssignment.objects.count() == 0
    assert Lead.objects.filter(owner__isnull=False).count() == 1
    saved_config.refresh_from_db()
    assert saved_config.state == {}


def test_applied_run_writes_assignments_owners_and_state(org, floor, saved_config, rep, other_rep):
    prepared = distribution_prepare(
        org, load_text(ROUND_ROBIN), options=RunOptions(dry_run=False), today=TODAY
    )
    run = distribution_run(organization=org, prepared=prepared, config=saved_config)
    pairs = set(LeadAssignment.objects.filter(run=run).values_list("lead_id", "rep_id"))
    owners = set(Lead.objects.values_list("id", "owner_id"))
    assert pairs == owners
    assert len(pairs) == 10
    assert LeadAssignment.objects.filter(run=run).first().explanation["filters_passed"] == [
        "owner",
        "do_not_call",
    ]
    saved_config.refresh_from_db()
    assert saved_config.state["last_rep_id"] in {rep.user_id, other_rep.user_id}


def test_explanations_can_be_kept_short(org, floor):
    doc = load_text(ROUND_ROBIN + "tracking: {record_explanations: false}\n")
    prepared = distribution_prepare(org, doc, options=RunOptions(dry_run=False), today=TODAY)
    run = distribution_run(organization=org, prepared=prepared)
    keys = {
        tuple(sorted(e)) for e in LeadAssignment.objects.filter(run=run).values_list("explanation", flat=True)
    }
    assert keys == {("reason", "seed", "strategy")}
