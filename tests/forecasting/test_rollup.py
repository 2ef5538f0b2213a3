"""Forecast calls up the team hierarchy, with won revenue, pipeline, quota, attainment and coverage.

A hand-built hierarchy in Acme, this fiscal quarter (the forecast page's):

    vp (manager)
    ├── m1 (manager, no call)          ├── r1 (rep) 100 / 200 / 300
    │                                  └── r2 (rep)  50 /  60 /  70, adjusted by m1 to 40
    ├── m2 (manager) 500 / 600 / 700   └── r3 (rep)  10 /  20 /  30
    └── r4 (rep, no call)
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissions.models import BusinessObjective
from forecasting.exports import forecast_export
from forecasting.models import ForecastCall
from forecasting.selectors.dataset import organization_today
from forecasting.selectors.periods import Period, quarter_of
from forecasting.selectors.rollup import CallFigures, Figures, forecast_rollup
from forecasting.services.calls import call_adjust, call_submit
from revops.models import AuditEvent, Role
from revops.providers import NO_QUOTA_SOURCE, provider_override
from revops.selectors.periods import add_months
from tests.revops.factories import MembershipFactory, OpportunityFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def quarter(org) -> Period:
    return quarter_of(org, organization_today(org))


def _member(org, name, role, manager=None):
    user = UserFactory(email=f"{name}@acme.test", first_name=name.upper(), last_name="")
    return MembershipFactory(organization=org, user=user, role=role, manager=manager)


@pytest.fixture
def tree(org, admin, quarter):
    start, end = quarter.start, quarter.end
    vp = _member(org, "vp", Role.MANAGER)
    m1 = _member(org, "m1", Role.MANAGER, vp)
    m2 = _member(org, "m2", Role.MANAGER, vp)
    r1 = _member(org, "r1", Role.REP, m1)
    r2 = _member(org, "r2", Role.REP, m1)
    r3 = _member(org, "r3", Role.REP, m2)
    r4 = _member(org, "r4", Role.REP, vp)
    for who, (c, b, p) in {
        r1: (100, 200, 300),
        r2: (50, 60, 70),
        m2: (500, 600, 700),
        r3: (10, 20, 30),
    }.items():
        call_submit(
            membership=who,
            period=quarter,
            commit=D(c),
            best_case=D(b),
            pipeline=D(p),
            note=f"{who.user.email}",
        )
    call_adjust(
        membership=m1,
        call_id=ForecastCall.objects.get(owner=r2.user).pk,
        adjusted_commit=D("40"),
        reason="Second deal slips to next quarter",
    )
    # r1: won 1,000 in the quarter (and 999 before it); open 400 expected in it, 33 overdue,
    # 77 expected after it. r3: won 250, lost 5,000.
    deals = [
        (r1, "closed_won", "1000", start + dt.timedelta(days=33), None),
        (r1, "closed_won", "999", start - dt.timedelta(days=1), None),
        (r1, "negotiation", "400", None, end - dt.timedelta(days=11)),
        (r1, "proposal", "33", None, start - dt.timedelta(days=61)),
        (r1, "proposal", "77", None, end),
        (r3, "closed_won", "250", start, None),
        (r3, "closed_lost", "5000", start + dt.timedelta(days=1), None),
    ]
    for owner, stage, amount, closed, expected in deals:
        OpportunityFactory(
            organization=org,
            owner=owner.user,
            stage=stage,
            amount=D(amount),
            close_date=closed,
            expected_close_date=expected,
        )
    # Quotas (business objectives): r1 500 a month on one line and 500 once on another, plus
    # the month after the quarter (outside); r3 1,000 in the last month. r2 has none.
    line_a, line_b = ProductLineFactory(organization=org), ProductLineFactory(organization=org)
    objectives = [
        (r1, line_a, start, "500"),
        (r1, line_a, add_months(start, 1), "500"),
        (r1, line_a, add_months(start, 2), "500"),
        (r1, line_b, add_months(start, 1), "500"),
        (r1, line_a, end, "700"),
        (r3, line_a, add_months(start, 2), "1000"),
    ]
    for rep, line, month, amount in objectives:
        BusinessObjective.objects.create(
            organization=org, rep=rep.user, product_line=line, month=month, amount=D(amount)
        )
    return {"vp": vp, "m1": m1, "m2": m2, "r1": r1, "r2": r2, "r3": r3, "r4": r4}


def _rows(rollup):
    return [(r.membership.user.email.split("@")[0], r.depth) for r in rollup.rows]


def test_admin_sees_the_whole_hierarchy_with_exact_rollups(admin, tree, quarter):
    # when
    rollup = forecast_rollup(membership=admin, period=quarter)
    # then
    assert _rows(rollup) == [("vp", 0), ("m1", 1), ("r1", 2), ("r2", 2), ("m2", 1), ("r3", 2), ("r4", 1)]
    node = {r.membership.user.email.split("@")[0]: r for r in rollup.rows}
    assert node["m1"].rollup == CallFigures(D("140"), D("260"), D("370"))  # r1 + r2 (adjusted 40)
    assert node["m2"].rollup == CallFigures(D("10"), D("20"), D("30"))
    # vp: m1's roll-up (no call) + m2's own call (not r3's) + nothing from r4
    assert node["vp"].rollup == CallFigures(D("640"), D("860"), D("1070"))
    assert (node["vp"].missing, node["m1"].missing, node["m2"].missing) == (["M1", "R4"], [], [])
    assert rollup.organization_call == CallFigures(D("640"), D("860"), D("1070"))
    assert node["r1"].own == Figures(D("1000"), D("433"), D("2000"))
    assert node["r1"].own.attainment == 0.5
    assert node["r1"].own.coverage == pytest.approx(433 / 1000)
    assert node["r2"].own == Figures(D("0"), D("0"), None)
    assert node["m1"].team == Figures(D("1000"), D("433"), D("2000"))
    assert node["m2"].team == Figures(D("250"), D("0"), D("1000"))
    assert node["vp"].team == Figures(D("1250"), D("433"), D("3000"))
    assert rollup.organization == Figures(D("1250"), D("433"), D("3000"))
    assert rollup.organization.coverage == pytest.approx(433 / 1750)
    assert rollup.quota_source == "business objectives"


def test_a_manager_sees_their_team_only(tree, quarter):
    # when
    rollup = forecast_rollup(membership=tree["m1"], period=quarter)
    # then
    assert _rows(rollup) == [("m1", 0), ("r1", 1), ("r2", 1)]
    assert rollup.roots[0].rollup == CallFigures(D("140"), D("260"), D("370"))
    assert rollup.roots[0].team == Figures(D("1000"), D("433"), D("2000"))
    assert (rollup.organization, rollup.organization_call) == (None, None)


def test_a_rep_sees_only_their_own_call_and_figures(tree, quarter, client_for):
    # when
    rollup = forecast_rollup(membership=tree["r2"], period=quarter)
    # then
    [only] = rollup.rows
    assert only.membership == tree["r2"]
    assert (only.call.commit, only.call.effective_commit, only.reports, only.rollup) == (
        D("50.00"),
        D("40.00"),
        [],
        None,
    )
    assert only.own == Figures(D("0"), D("0"), None)
    assert rollup.organization is None


def test_the_adjustment_is_audited_with_its_reason_and_the_original_stays(tree):
    # given
    call = ForecastCall.objects.get(owner=tree["r2"].user)
    # then
    assert (call.commit, call.adjusted_commit, call.adjusted_by) == (D("50.00"), D("40.00"), tree["m1"].user)
    event = AuditEvent.objects.get(action="forecasting.call_adjust")
    assert (event.actor_id, event.object_id, event.reason, event.before, event.after) == (
        tree["m1"].user_id,
        str(call.pk),
        "Second deal slips to next quarter",
        {"adjusted_commit": None},
        {"adjusted_commit": "40.00"},
    )


def test_without_a_quota_provider_quotas_are_labelled_missing(admin, tree, quarter):
    # when
    with provider_override("quota", None):
        rollup = forecast_rollup(membership=admin, period=quarter)
    # then
    assert rollup.quota_source == NO_QUOTA_SOURCE
    assert all(r.own.quota is None and r.team.quota is None for r in rollup.rows)
    assert rollup.organization == Figures(D("1250"), D("433"), None)
    assert (rollup.organization.attainment, rollup.organization.coverage) == (None, None)
    assert rollup.roots[0].rollup == CallFigures(D("640"), D("860"), D("1070"))


def test_forecast_page_shows_the_rollup_beside_quota_without_a_snapshot(admin, tree, client_for):
    # when
    body = client_for(admin).get(reverse("forecasting:forecast")).content.decode()
    # then
    assert 'id="forecast-rollup"' in body
    assert "No call yet: M1, R4" in body
    assert "Quotas: business objectives of the months in" in body
    assert "No forecast yet" in body  # no snapshot: the simulation part says so, calls still show


def test_a_reps_forecast_page_names_nobody_else(tree, client_for):
    # when
    body = client_for(tree["r2"]).get(reverse("forecasting:forecast")).content.decode()
    # then
    assert "R2" in body
    assert [
        name for name in ("VP", "M1", "M2", "R1", "R3", "R4") if f">{name}<" in body or f" {name}<" in body
    ] == []
    assert "r1@acme.test" not in body


def test_forecast_page_labels_missing_quotas_without_a_provider(admin, tree, client_for):
    # when
    with provider_override("quota", None):
        body = client_for(admin).get(reverse("forecasting:forecast")).content.decode()
    # then
    assert "No quota: no quota source is installed" in body
    # the top (vp), its three direct reports, and the organization
    assert body.count('<span class="muted">no quota</span>') == 5


def _rollup_names(body: str) -> list[str]:
    table = body[body.index('id="forecast-rollup"') :]
    table = table[: table.index("</table>")]
    return re.findall(r"<td[^>]*>(?:└ )?(?:<a [^>]*>)?([A-Z][A-Z0-9]*)(?:</a>)?[ <]", table)


def test_the_rollup_drills_down_one_manager_at_a_time(admin, tree, client_for):
    # given
    client = client_for(admin)
    url = reverse("forecasting:forecast")
    # when
    top = client.get(url).content.decode()
    m1 = client.get(url, {"under": tree["m1"].pk}).content.decode()
    r1 = client.get(url, {"under": tree["r1"].pk}).content.decode()
    garbage = client.get(url, {"under": "x1"}).content.decode()
    # then
    assert _rollup_names(top) == ["VP", "M1", "M2", "R4"]
    assert f'href="?under={tree["m1"].pk}"' in top
    assert _rollup_names(m1) == ["M1", "R1", "R2"]
    assert f'href="?under={tree["vp"].pk}"' in m1  # back up to the vp
    assert _rollup_names(r1) == ["R1"]
    assert _rollup_names(garbage) == ["VP", "M1", "M2", "R4"]


def test_a_manager_cannot_drill_into_another_team(tree, client_for):
    # when: m1 asks for m2's part of the tree
    body = (
        client_for(tree["m1"]).get(reverse("forecasting:forecast"), {"under": tree["m2"].pk}).content.decode()
    )
    # then: m1's own top, nothing of m2's team
    assert _rollup_names(body) == ["M1", "R1", "R2"]
    # (as rendered text or a name: random tokens on the page may hold these letters)
    assert not re.search(r"[> ](M2|R3)[<\s]|m2@|r3@", body)


def test_rollup_queries_do_not_grow_with_the_team(org, admin, tree, quarter, django_assert_num_queries):
    # given: the measured count on the seven-member tree
    with CaptureQueriesContext(connection) as small:
        forecast_rollup(membership=admin, period=quarter)
    # when: three more managers with two reps each, each rep with a call and a deal
    for k in range(3):
        boss = _member(org, f"extra-m{k}", Role.MANAGER, tree["vp"])
        for j in range(2):
            rep = _member(org, f"extra-r{k}{j}", Role.REP, boss)
            call_submit(membership=rep, period=quarter, commit=D(1), best_case=D(2), pipeline=D(3))
            OpportunityFactory(
                organization=org,
                owner=rep.user,
                stage="negotiation",
                amount=D(5),
                expected_close_date=quarter.start,
            )
    # then
    with django_assert_num_queries(len(small.captured_queries)):
        rollup = forecast_rollup(membership=admin, period=quarter)
    assert len(rollup.rows) == 7 + 9
    # each new manager has no call and sends up their two reps' calls: 3 × (2, 4, 6) more
    assert rollup.roots[0].rollup == CallFigures(D("646"), D("872"), D("1088"))


def test_forecast_export_has_the_rollup_table(admin, tree):
    # when
    with provider_override("quota", None):
        unquoted = forecast_export(membership=tree["r1"], params=QueryDict())
    data = forecast_export(membership=admin, params=QueryDict())
    # then
    table = next(t for t in data.tables if t.title == "Roll-up and quota")
    rows = {row[0]: row for row in table.rows}
    assert list(rows) == ["VP", "M1", "R1", "R2", "M2", "R3", "R4", "Organization"]
    assert rows["M1"] == (
        "M1",
        1,
        "",
        "",
        "",
        D("140"),
        D("260"),
        D("370"),
        D("1000"),
        D("433"),
        D("2000"),
        0.5,
        round(433 / 1000, 4),
        "",
    )
    assert rows["R2"][2:5] == (D("40.00"), D("60.00"), D("70.00"))
    assert rows["R2"][10:13] == ("no quota", "", "")
    assert rows["VP"][-1] == "M1, R4"
    assert rows["Organization"][5:13] == (
        D("640"),
        D("860"),
        D("1070"),
        D("1250"),
        D("433"),
        D("3000"),
        round(1250 / 3000, 4),
        round(433 / 1750, 4),
    )
    [mine] = next(t for t in unquoted.tables if t.title == "Roll-up and quota").rows
    assert mine[0] == "R1" and mine[10:13] == ("no quota", "", "")


def test_forecast_api_has_the_rollup_as_the_caller_may_see_it(admin, tree, client_for):
    # when
    full = client_for(admin).get("/api/v1/forecasting/forecast/").json()["rollup"]
    own = client_for(tree["r2"]).get("/api/v1/forecasting/forecast/").json()["rollup"]
    # then
    rows = {r["name"]: r for r in full["rows"]}
    assert list(rows) == ["VP", "M1", "R1", "R2", "M2", "R3", "R4"]
    assert rows["M1"] == {
        "member": tree["m1"].pk,
        "manager": tree["vp"].pk,
        "name": "M1",
        "level": 1,
        "call": None,
        "rollup": {"commit": "140.00", "best_case": "260.00", "pipeline": "370.00"},
        "team": {
            "won": "1000.00",
            "open_pipeline": "433.00",
            "quota": "2000.00",
            "attainment": 0.5,
            "coverage": 0.433,
        },
        "missing": [],
    }
    assert full["organization_call"] == {"commit": "640.00", "best_case": "860.00", "pipeline": "1070.00"}
    assert full["quota_source"] == "business objectives"
    assert [r["name"] for r in own["rows"]] == ["R2"]
    assert own["rows"][0]["call"] == {"commit": "40.00", "best_case": "60.00", "pipeline": "70.00"}
    assert (own["organization"], own["organization_call"]) == (None, None)
