"""The forecasting admin: read-only models, scores, snapshots and calls; promotion through the
service (reason required, audited, scoring queued)."""

import pytest
from django.urls import reverse

from forecasting.models import DealScore, ForecastCall, ModelVersion
from forecasting.services.modelling import SCORE_KIND, deals_score, win_model_train
from forecasting.services.promotion import model_promote
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, JobRun
from tests.forecasting.conftest import TODAY

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:forecasting_modelversion_changelist"


@pytest.fixture
def two_versions(org, small_book):
    """v1 active; v2 trained on the same deals does not beat it and stays a candidate."""
    first = win_model_train(organization=org).version
    second = win_model_train(organization=org).version
    assert (first.status, second.status) == ("active", "candidate")
    return first, second


def _promote(client, pk, **extra):
    data = {"action": "promote_version", "_selected_action": [str(pk)], "index": "0", **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def _messages(response, level):
    return [m.message for m in response.context["messages"] if m.level_tag == level]


def test_changelist_shows_holdout_metrics(admin, two_versions, client_for):
    # given
    first, _ = two_versions
    # when
    body = client_for(admin).get(reverse(CHANGELIST)).content.decode()
    change = client_for(admin).get(reverse("admin:forecasting_modelversion_change", args=[first.pk]))
    # then
    assert f"{first.metrics['brier']:.4f}" in body
    assert f"{first.metrics['auc']:.3f}" in body
    text = change.content.decode()
    assert "Holdout metrics" in text
    assert f"<tr><th>Brier</th><td>{first.metrics['brier']:.4f}</td></tr>" in text
    assert first.artifact[:40] not in text  # the artifact is never shown


def test_promote_action_asks_a_reason_then_promotes_audits_and_queues_scoring(
    admin, two_versions, client_for
):
    # given
    first, second = two_versions
    client = client_for(admin)
    # when: no reason yet, the form is shown and nothing changes
    asked = _promote(client, second.pk)
    # then
    assert asked.templates[0].name == "admin/forecasting/modelversion/promote_confirmation.html"
    second.refresh_from_db()
    assert second.status == "candidate"
    assert not AuditEvent.objects.filter(action="forecasting.model_promote").exists()
    # when: with a reason
    done = _promote(client, second.pk, apply="1", reason="Back to the newer data window")
    # then
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("retired", "active")
    assert second.promotion_note == "Promoted by hand: Back to the newer data window"
    event = AuditEvent.objects.get(action="forecasting.model_promote")
    assert (event.object_id, event.actor_id, event.reason) == (
        str(second.pk),
        admin.user_id,
        "Back to the newer data window",
    )
    assert event.before == {"status": "candidate", "active": first.number}
    assert event.after == {"status": "active", "retired": first.number}
    job = JobRun.objects.get(kind=SCORE_KIND)
    assert _messages(done, "success") == [f"{second} is active; scoring queued (job #{job.pk})."]


def test_promoting_the_active_version_is_a_no_op(admin, two_versions, client_for):
    # given
    first, _ = two_versions
    # when
    response = _promote(client_for(admin), first.pk, apply="1", reason="again")
    # then
    assert _messages(response, "info") == [f"{first} is already active."]
    assert not AuditEvent.objects.filter(action="forecasting.model_promote").exists()
    assert not JobRun.objects.filter(kind=SCORE_KIND).exists()


def test_promotion_refuses_an_empty_reason_and_another_organizations_version(org, other_org, two_versions):
    # given
    _, second = two_versions
    # when / then
    with pytest.raises(ApplicationError, match="needs a reason"):
        model_promote(organization=org, version_id=second.pk, actor=None, reason="  ")
    with pytest.raises(ModelVersion.DoesNotExist):
        model_promote(organization=other_org, version_id=second.pk, actor=None, reason="mine now")
    second.refresh_from_db()
    assert second.status == "candidate"
    assert ModelVersion.objects.filter(status="active").count() == 1


def test_scores_and_calls_are_read_only_in_the_admin(admin, rep, two_versions, client_for):
    # given
    org = admin.organization
    deals_score(organization=org, as_of=TODAY)
    score = DealScore.objects.filter(organization=org).first()
    call = ForecastCall.objects.create(
        organization=org,
        owner=rep.user,
        period_start=TODAY.replace(day=1),
        period_end=TODAY.replace(month=12, day=1),
        commit=1,
        best_case=2,
        pipeline=3,
    )
    client = client_for(admin)
    # when
    score_post = client.post(
        reverse("admin:forecasting_dealscore_change", args=[score.pk]), {"probability": "0.9999"}
    )
    call_post = client.post(reverse("admin:forecasting_forecastcall_change", args=[call.pk]), {"commit": "0"})
    listing = client.get(reverse("admin:forecasting_dealscore_changelist"))
    # then
    assert (score_post.status_code, call_post.status_code, listing.status_code) == (403, 403, 200)
    before = score.probability
    score.refresh_from_db()
    call.refresh_from_db()
    assert (score.probability, call.commit) == (before, 1)
