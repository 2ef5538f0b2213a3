"""Demo steps ordered by phase and requirements; month-end tasks; demo vocabulary per app and organization."""

import datetime as dt

import pytest

from revops.demo import (
    Phase,
    SeedContext,
    demo_steps,
    demo_words,
    register_step,
    register_vocabulary,
    registry,
    seed_demo,
    vocabulary,
)
from revops.demo.specs import ACME, GLOBEX
from revops.models import FiscalPeriod


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """Registrations made by a test vanish after it; the real steps stay as they were."""
    demo_steps()  # the apps' demo modules are imported before the copy is taken
    monkeypatch.setattr(registry, "_steps", dict(registry._steps))
    monkeypatch.setattr(registry, "_month_ends", dict(registry._month_ends))
    monkeypatch.setattr(vocabulary, "_vocabularies", dict(vocabulary._vocabularies))


def _noop(ctx):
    return {}


def test_the_demo_runs_its_steps_phase_by_phase():
    # when
    steps = [(step.name, step.phase) for step in demo_steps()]
    # then
    assert steps == [
        ("people", Phase.SETUP),
        ("partners", Phase.SETUP),
        ("catalog", Phase.SETUP),
        ("accounts", Phase.SETUP),
        ("distribution_setup", Phase.SETUP),
        ("distribution_runs", Phase.SETUP),
        ("opportunities", Phase.PIPELINE),
        ("marketing_journeys", Phase.PIPELINE),
        ("periods", Phase.OPEN_BOOKS),
        ("attribution_setup", Phase.OPEN_BOOKS),
        ("attribution_links", Phase.OPEN_BOOKS),
        ("attribution_revenue", Phase.OPEN_BOOKS),
        ("commission_book", Phase.OPEN_BOOKS),
        ("commission_sales", Phase.OPEN_BOOKS),
        ("close_periods", Phase.CLOSING),
        ("attribution_ledger", Phase.CLOSED_BOOKS),
        ("attribution_adjustments", Phase.CLOSED_BOOKS),
        ("attribution_report_schedules", Phase.CLOSED_BOOKS),
        ("commission_statements", Phase.CLOSED_BOOKS),
        ("forecasting", Phase.CLOSED_BOOKS),
        ("partner_program", Phase.CLOSED_BOOKS),
        ("partner_disputes", Phase.CLOSED_BOOKS),
        ("partner_standing", Phase.CLOSED_BOOKS),
        ("partner_touchpoints", Phase.CLOSED_BOOKS),
    ]


def test_a_step_runs_in_its_phase_whenever_it_was_registered():
    # given: a correction registered before anything of the books, and a setup step registered last
    registry._steps.clear()
    register_step("fix", _noop, phase=Phase.CLOSED_BOOKS, requires=("post",))
    register_step("post", _noop, phase=Phase.OPEN_BOOKS, requires=("months",))
    register_step("close", _noop, phase=Phase.CLOSING)
    register_step("months", _noop, phase=Phase.OPEN_BOOKS)
    register_step("people", _noop, phase=Phase.SETUP)
    # when
    names = [step.name for step in registry._ordered(list(registry._steps.values()))]
    # then: phases first, then what each step requires, then registration order
    assert names == ["people", "months", "post", "close", "fix"]


def test_registering_a_step_again_replaces_it_in_place():
    # given
    registry._steps.clear()
    register_step("a", _noop, phase=Phase.SETUP)
    register_step("b", _noop, phase=Phase.SETUP)

    def other(ctx):
        return {"other": 1}

    # when
    register_step("a", other, phase=Phase.SETUP)
    # then
    ordered = registry._ordered(list(registry._steps.values()))
    assert [(step.name, step.func) for step in ordered] == [("a", other), ("b", _noop)]


@pytest.mark.parametrize(
    ("_case", "steps", "message"),
    [
        (
            "missing",
            [("a", Phase.SETUP, ("ghost",))],
            "Demo step 'a' requires 'ghost', which is not registered.",
        ),
        (
            "later phase",
            [("early", Phase.OPEN_BOOKS, ("late",)), ("late", Phase.CLOSED_BOOKS, ())],
            "Demo step 'early' (OPEN_BOOKS) requires 'late', which runs later (CLOSED_BOOKS).",
        ),
        (
            "cycle",
            [("a", Phase.SETUP, ("b",)), ("b", Phase.SETUP, ("a",)), ("c", Phase.SETUP, ())],
            "Demo steps require each other in a cycle: a, b.",
        ),
    ],
)
def test_requirements_that_cannot_hold_are_refused(_case, steps, message):
    # given
    registry._steps.clear()
    for name, phase, requires in steps:
        register_step(name, _noop, phase=phase, requires=requires)
    # when
    with pytest.raises(ValueError) as excinfo:
        demo_steps()
    # then
    assert str(excinfo.value) == message


def test_an_app_vocabulary_is_read_per_organization():
    # given
    register_vocabulary(
        "campaigns", ["Spring Launch", "Data Summit"], by_org={"globex": ["Frühjahrsstart", "Datengipfel"]}
    )
    acme = SeedContext(organization=None, spec=ACME, seed=1, scale=1.0, today=None, password_hash="")
    globex = SeedContext(organization=None, spec=GLOBEX, seed=1, scale=1.0, today=None, password_hash="")
    # when / then
    assert acme.words("campaigns") == ("Spring Launch", "Data Summit")
    assert globex.words("campaigns") == ("Frühjahrsstart", "Datengipfel")
    assert demo_words("campaigns", org_slug="initech") == ("Spring Launch", "Data Summit")


def test_a_vocabulary_registered_twice_with_the_same_words_is_kept():
    # given
    register_vocabulary("reasons", ["Amended"])
    # when
    register_vocabulary("reasons", ("Amended",))
    # then
    assert demo_words("reasons", org_slug="acme") == ("Amended",)


@pytest.mark.parametrize(
    ("_case", "words", "by_org", "message"),
    [
        (
            "other words",
            ["Renegotiated"],
            None,
            "Demo vocabulary 'reasons' is already registered with other words.",
        ),
        ("empty", [], None, "Demo vocabulary 'reasons' is empty."),
        ("empty override", ["Amended"], {"acme": []}, "Demo vocabulary 'reasons' is empty."),
    ],
)
def test_a_conflicting_or_empty_vocabulary_is_refused(_case, words, by_org, message):
    # given
    register_vocabulary("reasons", ["Amended"])
    # when
    with pytest.raises(ValueError) as excinfo:
        register_vocabulary("reasons", words, by_org=by_org)
    # then
    assert str(excinfo.value) == message
    assert demo_words("reasons", org_slug="acme") == ("Amended",)


def test_an_unknown_vocabulary_is_refused():
    with pytest.raises(LookupError) as excinfo:
        demo_words("nothing", org_slug="acme")
    assert str(excinfo.value) == "No demo vocabulary named 'nothing'."


@pytest.mark.django_db
def test_month_end_tasks_run_before_each_close_oldest_first():
    # given: a task that records the month it is given and whether it was still open
    seen = []

    def month_end(ctx, period):
        period.refresh_from_db()
        seen.append((period.start_date, period.status))
        return {"month_ends": 1}

    registry.register_month_end("probe", month_end)
    # when
    results = seed_demo(only=["acme"], scale=0.02, today=dt.date(2026, 3, 15))
    # then: every closed month was handed over once, in order, while open
    closed = list(
        FiscalPeriod.objects.filter(organization__slug="acme", status=FiscalPeriod.Status.CLOSED)
        .order_by("start_date")
        .values_list("start_date", flat=True)
    )
    assert [day for day, _ in seen] == closed
    assert {status for _, status in seen} == {FiscalPeriod.Status.OPEN}
    assert results[0].counts["month_ends"] == len(closed) > 0
