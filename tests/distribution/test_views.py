"""Distribution pages: scope (a rep sees their own leads), who may run and edit, and content."""

import pytest
from django.urls import reverse

from distribution.engine import load_text
from distribution.models import DistributionConfig, DistributionConfigVersion, DistributionRun, LeadAssignment
from distribution.selectors.inputs import RunOptions, distribution_prepare
from distribution.services.runs import distribution_run
from revops.models import JobRun
from tests.distribution.conftest import ROUND_ROBIN, TODAY
from tests.distribution.factories import LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applied(org, floor, saved_config):
    prepared = distribution_prepare(
        org, load_text(ROUND_ROBIN), options=RunOptions(dry_run=False), today=TODAY
    )
    return distribution_run(organization=org, prepared=prepared, config=saved_config)


def test_rep_sees_only_their_own_leads(client_for, rep, other_rep, applied):
    # given leads split 5 / 5 between the reps
    mine = set(LeadAssignment.objects.filter(rep=rep.user).values_list("lead__name", flat=True))
    theirs = set(LeadAssignment.objects.filter(rep=other_rep.user).values_list("lead__name", flat=True))
    # when
    html = client_for(rep).get(reverse("distribution:leads")).content.decode()
    # then
    assert len(mine) == 5
    assert all(f">{name}</a>" in html for name in mine)
    assert not any(f">{name}</a>" in html for name in theirs)


def test_lead_of_another_rep_or_organization_is_404(client_for, rep, other_rep, other_org_admin, applied):
    lead = LeadAssignment.objects.filter(rep=other_rep.user).first().lead
    assert client_for(rep).get(reverse("distribution:lead", args=[lead.pk])).status_code == 404
    assert client_for(other_org_admin).get(reverse("distribution:lead", args=[lead.pk])).status_code == 404
    assert client_for(other_rep).get(reverse("distribution:lead", args=[lead.pk])).status_code == 200


def test_lead_page_shows_assignment_history_with_explanation(client_for, rep, applied):
    assignment = LeadAssignment.objects.filter(rep=rep.user).first()
    html = client_for(rep).get(reverse("distribution:lead", args=[assignment.lead_id])).content.decode()
    assert "Assignment history" in html
    assert assignment.explanation["reason"] in html
    assert "owner, do_not_call" in html  # the filters it passed
    assert "tie-break seed:</strong> 1" in html


def test_rep_cannot_run_or_edit_configs(client_for, rep, saved_config):
    # given
    client = client_for(rep)
    # when
    run = client.post(reverse("distribution:config-run", args=[saved_config.pk]), {"mode": "applied"})
    save = client.post(
        reverse("distribution:config", args=[saved_config.pk]), {"name": "Daily", "document": "x"}
    )
    validate = client.post(reverse("distribution:config-validate"), {"document": ROUND_ROBIN})
    pages = [client.get(reverse(name)).status_code for name in ("distribution:configs", "distribution:runs")]
    # then
    assert (run.status_code, save.status_code, validate.status_code, pages) == (403, 403, 403, [403, 403])
    assert JobRun.objects.count() == 0
    saved_config.refresh_from_db()
    assert (saved_config.version, saved_config.document) == (1, ROUND_ROBIN)


def test_manager_may_run_but_not_edit(client_for, manager, saved_config):
    client = client_for(manager)
    save = client.post(
        reverse("distribution:config", args=[saved_config.pk]), {"name": "Daily", "document": "x"}
    )
    run = client.post(reverse("distribution:config-run", args=[saved_config.pk]), {"mode": "dry_run"})
    assert (save.status_code, run.status_code, run["Location"]) == (403, 302, reverse("distribution:runs"))
    assert JobRun.objects.get().params["dry_run"] is True


def test_other_organization_config_is_404(client_for, other_org_admin, saved_config):
    client = client_for(other_org_admin)
    assert client.get(reverse("distribution:config", args=[saved_config.pk])).status_code == 404
    assert (
        client.post(
            reverse("distribution:config-run", args=[saved_config.pk]), {"mode": "dry_run"}
        ).status_code
        == 404
    )
    assert JobRun.objects.count() == 0


def test_live_validation_names_the_path(client_for, admin):
    client = client_for(admin)
    bad = client.post(
        reverse("distribution:config-validate"), {"document": ROUND_ROBIN.replace("round_robin", "best")}
    )
    good = client.post(reverse("distribution:config-validate"), {"document": ROUND_ROBIN})
    assert "distribution.strategy:" in bad.content.decode()
    assert "Valid: strategies round_robin." in good.content.decode()


def test_saving_a_bad_document_changes_nothing_and_a_good_one_makes_a_version(
    client_for, admin, saved_config
):
    client = client_for(admin)
    url = reverse("distribution:config", args=[saved_config.pk])
    bad = client.post(url, {"name": "Daily", "document": ROUND_ROBIN + "colour: red\n", "active": "on"})
    assert bad.status_code == 200
    assert "colour: unknown key" in bad.content.decode()
    assert DistributionConfigVersion.objects.count() == 1
    good = client.post(
        url, {"name": "Daily", "document": ROUND_ROBIN.replace("seed: 1", "seed: 2"), "active": "on"}
    )
    assert good.status_code == 302
    saved_config.refresh_from_db()
    assert saved_config.version == 2
    assert list(DistributionConfigVersion.objects.order_by("version").values_list("version", flat=True)) == [
        1,
        2,
    ]


def test_new_config_from_a_template(client_for, admin, org):
    client = client_for(admin)
    page = client.get(reverse("distribution:config-new") + "?template=advanced").content.decode()
    assert "level_based" in page
    response = client.post(
        reverse("distribution:config-new"), {"name": "Weekly", "document": ROUND_ROBIN, "active": "on"}
    )
    config = DistributionConfig.objects.get(organization=org, name="Weekly")
    assert response["Location"] == reverse("distribution:config", args=[config.pk])


def test_run_page_shows_only_reps_in_the_managers_team(client_for, manager, rep, other_rep, applied):
    html = client_for(manager).get(reverse("distribution:run", args=[applied.pk])).content.decode()
    theirs = LeadAssignment.objects.filter(rep=other_rep.user).values_list("lead__name", flat=True)
    mine = LeadAssignment.objects.filter(rep=rep.user).values_list("lead__name", flat=True)
    assert all(name in html for name in mine)
    assert not any(f">{name}<" in html for name in theirs)
    assert "5 rows for reps outside your scope not shown." in html


def test_run_page_groups_exclusions_and_lists_the_no_eligible_rep_queue(
    client_for, admin, org, floor, saved_config
):
    LeadFactory(organization=org, name="Blocked", do_not_call=True)
    doc = load_text(
        ROUND_ROBIN.replace("round_robin, seed: 1", "level_based, levels: {x: {target_leads: 1}}")
    )
    prepared = distribution_prepare(org, doc, options=RunOptions(dry_run=True), today=TODAY)
    run = distribution_run(organization=org, prepared=prepared, config=saved_config)
    html = client_for(admin).get(reverse("distribution:run", args=[run.pk])).content.decode()
    assert "<li>do_not_call: 1</li>" in html
    assert "10 leads waiting" in html
    assert DistributionRun.objects.get(pk=run.pk).counts == {"assigned": 0, "excluded": 1, "unassigned": 10}


def test_fairness_page_lists_applied_runs(client_for, admin, applied):
    html = client_for(admin).get(reverse("distribution:fairness")).content.decode()
    assert f"#{applied.pk}" in html
    assert "0.000" in html  # an even split: Gini 0, no deviation from equal targets
