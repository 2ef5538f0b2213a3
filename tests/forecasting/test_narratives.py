"""Deal analyses reworded by a language model after scoring, through the real `openai` client
against a fake OpenAI-compatible server on 127.0.0.1: accepted only with the same numbers."""

import json
import socket

import pytest
from django.urls import reverse

from forecasting.engine.wording import check_wording, numbers_in, text_hash
from forecasting.models import CurrentScores, DealScore, NarrativeRephrase
from forecasting.services.modelling import deals_score, train_enqueue, win_model_train
from forecasting.services.narratives import (
    PROMPT,
    REPHRASE_KIND,
    narratives_rephrase,
    rephrase_enqueue,
)
from revops.models import JobRun
from tests.attribution.fake_openai import FakeOpenAIServer
from tests.forecasting.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_llm():
    server = FakeOpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def llm_settings(settings, fake_llm):
    settings.LLM_BASE_URL = fake_llm.base_url
    settings.LLM_API_KEY = "test-key"
    settings.LLM_MODEL = "wording-model"
    return settings


@pytest.fixture
def scored(org, rep, small_book):
    win_model_train(organization=org)
    deals_score(organization=org, as_of=TODAY)
    return org


def _riskiest(org) -> DealScore:
    """The score a run of one rewords first: the largest amount × risk."""
    scores = DealScore.objects.current().filter(organization=org)
    return max(scores, key=lambda s: (s.amount * s.risk, -s.pk))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_rewording_with_the_same_numbers_is_accepted_and_shown(
    scored, rep, llm_settings, fake_llm, client_for
):
    # given
    score = _riskiest(scored)
    reworded = "In short: " + score.narrative.replace("chance to win", "likelihood of winning")
    fake_llm.reply_content = json.dumps({"text": reworded})
    # when
    counts = narratives_rephrase(organization=scored, limit=1)
    # then
    assert counts == {"asked": 1, "accepted": 1}
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "wording-model"
    assert request["body"]["response_format"] == {"type": "json_object"}
    assert request["body"]["messages"] == [
        {"role": "system", "content": PROMPT},
        {"role": "user", "content": score.narrative},
    ]
    row = NarrativeRephrase.objects.get()
    assert (row.deal_score_id, row.status, row.text, row.note, row.llm_model, row.source_hash) == (
        score.pk,
        "accepted",
        reworded,
        "",
        "wording-model",
        text_hash(score.narrative),
    )
    body = client_for(rep).get(reverse("forecasting:deal", args=[score.opportunity_id])).content.decode()
    assert reworded.replace("'", "&#x27;") in body
    assert "Reworded by a language model (wording-model)" in body
    assert "The analysis as computed" in body


def test_a_rewording_that_invents_a_number_is_refused_and_the_computed_text_shown(
    scored, rep, llm_settings, fake_llm, client_for
):
    # given
    score = _riskiest(scored)
    fake_llm.reply_content = json.dumps({"text": score.narrative + " Expect about 999,999 in revenue."})
    # when
    counts = narratives_rephrase(organization=scored, limit=1)
    # then
    assert counts == {"asked": 1, "refused": 1}
    row = NarrativeRephrase.objects.get()
    assert (row.status, row.note) == ("refused", "Refused: it writes 999999, not in the analysis.")
    body = client_for(rep).get(reverse("forecasting:deal", args=[score.opportunity_id])).content.decode()
    assert "999,999" not in body
    assert "A language model&#x27;s rewording was refused (it writes 999999, not in the analysis)" in body
    assert "The analysis as computed" not in body
    # and a second run asks about the next deal, not again about the refused answer
    narratives_rephrase(organization=scored, limit=1)
    asked = [r["body"]["messages"][1]["content"] for r in fake_llm.requests]
    assert (len(asked), asked[0], asked[1] != score.narrative) == (2, score.narrative, True)
    assert NarrativeRephrase.objects.get(deal_score=score).pk == row.pk


@pytest.mark.parametrize(
    ("_case", "answer", "note"),
    [
        ("drops the numbers", {"text": "A deal worth watching."}, "Refused: it leaves out "),
        ("not the JSON asked for", ["text"], 'The answer is not a JSON object with a "text".'),
        ("empty text", {"text": "  "}, "Refused: the answer is empty."),
    ],
)
def test_other_unusable_answers_are_refused(scored, llm_settings, fake_llm, _case, answer, note):
    # given
    fake_llm.reply_content = json.dumps(answer)
    # when
    counts = narratives_rephrase(organization=scored, limit=1)
    # then
    assert counts == {"asked": 1, "refused": 1}
    row = NarrativeRephrase.objects.get()
    assert row.status == "refused"
    assert row.note.startswith(note)


def test_endpoint_down_keeps_the_computed_text_stops_after_three_and_retries_next_run(
    scored, rep, settings, fake_llm, client_for
):
    # given: nobody listens on the port
    settings.LLM_BASE_URL = f"http://127.0.0.1:{_free_port()}/v1"
    settings.LLM_MODEL = "wording-model"
    score = _riskiest(scored)
    # when
    counts = narratives_rephrase(organization=scored, limit=5)
    # then
    assert counts == {"asked": 3, "failed": 3, "not_asked": 2}
    assert list(NarrativeRephrase.objects.values_list("status", "note").distinct()) == [
        ("failed", "The language model could not be reached (APIConnectionError: Connection error.).")
    ]
    body = client_for(rep).get(reverse("forecasting:deal", args=[score.opportunity_id])).content.decode()
    assert score.narrative.replace("'", "&#x27;") in body
    assert (
        "could not be reached (APIConnectionError: Connection error.). The analysis is shown as computed."
        in body
    )
    # when: the endpoint is back, the failed ones are asked again
    settings.LLM_BASE_URL = fake_llm.base_url
    fake_llm.reply_content = json.dumps({"text": score.narrative})
    again = narratives_rephrase(organization=scored, limit=1)
    # then
    assert again == {"asked": 1, "accepted": 1}
    assert NarrativeRephrase.objects.get(deal_score=score).status == "accepted"


def test_a_silent_endpoint_times_out_within_the_setting(scored, settings):
    # given: a socket that accepts connections and never answers
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.LLM_BASE_URL = f"http://127.0.0.1:{silent.getsockname()[1]}/v1"
        settings.LLM_MODEL = "wording-model"
        settings.FORECAST_REPHRASE_TIMEOUT = 0.3
        # when
        counts = narratives_rephrase(organization=scored, limit=4)
    # then
    assert counts == {"asked": 3, "failed": 3, "not_asked": 1}
    assert set(NarrativeRephrase.objects.values_list("note", flat=True)) == {
        "The language model could not be reached (APITimeoutError: Request timed out.)."
    }


def test_a_later_score_with_the_same_analysis_reuses_the_answer(scored, llm_settings, fake_llm):
    # given: an accepted rewording, then a new current score of the same deal reading the same
    score = _riskiest(scored)
    fake_llm.reply_content = json.dumps({"text": "Put simply: " + score.narrative})
    narratives_rephrase(organization=scored, limit=1)
    later = DealScore.objects.get(pk=score.pk)
    later.pk, later.as_of = None, TODAY.replace(day=TODAY.day + 1)
    later.save()
    CurrentScores.objects.filter(organization=scored).update(as_of=later.as_of)
    # when
    counts = narratives_rephrase(organization=scored, limit=1)
    # then
    assert counts == {"reused": 1, "accepted": 1}
    assert len(fake_llm.requests) == 1
    assert NarrativeRephrase.objects.get(deal_score=later).text == "Put simply: " + score.narrative


def test_without_a_language_model_nothing_is_sent_or_queued(scored, settings, fake_llm, admin):
    # given
    settings.LLM_BASE_URL = ""
    settings.LLM_MODEL = ""
    # when
    counts = narratives_rephrase(organization=scored)
    job = rephrase_enqueue(organization=scored, actor=admin.user, key="r1")
    # then
    assert (counts, job) == ({"not_configured": 1}, None)
    assert fake_llm.requests == []
    assert NarrativeRephrase.objects.count() == 0
    assert not JobRun.objects.filter(kind=REPHRASE_KIND).exists()


def test_scoring_job_queues_the_rewording_job(
    org, small_book, admin, llm_settings, fake_llm, django_capture_on_commit_callbacks
):
    # given: the fake answers one fixed text without numbers; every analysis has numbers, so
    # each answer is checked and refused.
    fake_llm.reply_content = json.dumps({"text": "No numbers at all."})
    llm_settings.FORECAST_REPHRASE_LIMIT = 4
    # when
    with django_capture_on_commit_callbacks(execute=True):
        train_enqueue(organization=org, actor=admin.user, key="t1")
    # then
    job = JobRun.objects.get(kind=REPHRASE_KIND)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts == {"asked": 4, "refused": 4}
    assert NarrativeRephrase.objects.filter(status="refused").count() == 4


@pytest.mark.parametrize(
    ("_case", "candidate", "accepted", "reason"),
    [
        ("same numbers reworded", "Win odds 42% — risk 61/100, about 12400 in value.", True, ""),
        ("a rounded number", "Win odds 40%, risk 61/100, 12,400.", False, "it writes 40, not in the analysis"),
        ("a dropped number", "Win odds 42%, risk 61/100.", False, "it leaves out 12400"),
        ("a number word", "Win odds 42%, risk 61/100, 12,400, twice the usual.", False,
         "it writes the number word twice"),
    ],
)  # fmt: skip
def test_check_wording(_case, candidate, accepted, reason):
    original = "Deal: 42% chance to win; risk 61/100; amount 12,400."
    result = check_wording(original, candidate)
    assert (result.accepted, result.reason) == (accepted, reason)
    assert numbers_in(original) == {"42", "61", "100", "12400"}
