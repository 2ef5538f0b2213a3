"""Every lead filter, one hand-made case each, and the priority order and cut."""

from datetime import date

import pytest

from distribution.engine import LeadFacts, filter_leads, load_text

TODAY = date(2026, 3, 11)  # a Wednesday


def _finding(yaml_body: str):
    text = "campaign: {name: T}\ndistribution: {strategy: round_robin}\nlead_finding:\n" + yaml_body
    return load_text(text, env={}).lead_finding


def _kept(finding, leads, **kw):
    kept, excluded, _ = filter_leads(leads, finding, today=TODAY, **kw)
    return [lead.id for lead in kept], {(e.lead_id, e.reason) for e in excluded}


def test_date_range_older_and_younger_than_days():
    finding = _finding("  date_range: {older_than_days: 2, younger_than_days: 5}\n")
    leads = [LeadFacts(i, date(2026, 3, d)) for i, d in ((1, 5), (2, 6), (3, 9), (4, 10))]
    # 6th..9th are 5..2 days old: kept; the 5th is 6 days old, the 10th 1 day old
    assert _kept(finding, leads) == ([2, 3], {(1, "date_range"), (4, "date_range")})


def test_weekends_and_holidays():
    finding = _finding("  date_range: {exclude_weekends: true, holidays: [2026-03-02]}\n")
    leads = [
        LeadFacts(1, date(2026, 3, 7)),
        LeadFacts(2, date(2026, 3, 8)),
        LeadFacts(3, date(2026, 3, 2)),
        LeadFacts(4, date(2026, 3, 3)),
    ]
    assert _kept(finding, leads) == ([4], {(1, "weekend"), (2, "weekend"), (3, "holiday")})


@pytest.mark.parametrize(
    ("_case", "spec", "kept"),
    [
        ("exact_ci", "values: [Google], match: exact", [1, 2]),
        ("exact_cs", "values: [Google], match: exact, case_sensitive: true", [1]),
        ("partial", "values: [goog], match: partial", [1, 2, 3]),
        ("regex", "values: ['^(google|bing)$'], match: regex", [1, 2, 4]),
        ("regex_cs", "values: ['^G'], match: regex, case_sensitive: true", [1]),
    ],
)
def test_web_sources(_case, spec, kept):
    finding = _finding(f"  web_sources: {{{spec}}}\n")
    leads = [
        LeadFacts(1, TODAY, web_source="Google"),
        LeadFacts(2, TODAY, web_source="google"),
        LeadFacts(3, TODAY, web_source="googleads"),
        LeadFacts(4, TODAY, web_source="bing"),
        LeadFacts(5, TODAY, web_source=""),
    ]
    got, excluded = _kept(finding, leads)
    assert got == kept
    assert {lead_id for lead_id, reason in excluded if reason == "web_source"} == {1, 2, 3, 4, 5} - set(kept)


def test_web_sources_from_the_callers_list_override_the_document():
    finding = _finding("  web_sources: {values: [google]}\n")
    leads = [LeadFacts(1, TODAY, web_source="google"), LeadFacts(2, TODAY, web_source="bing")]
    assert _kept(finding, leads, web_sources=["bing"])[0] == [2]


def test_campaigns_and_statuses():
    finding = _finding("  campaigns: [Spring]\n  statuses: [New, Open]\n")
    leads = [
        LeadFacts(1, TODAY, campaign="spring", status="new"),
        LeadFacts(2, TODAY, campaign="Fall", status="New"),
        LeadFacts(3, TODAY, campaign="Spring", status="Lost"),
    ]
    assert _kept(finding, leads) == ([1], {(2, "campaign"), (3, "status")})


def test_do_not_call_flag_and_status_values():
    finding = _finding("  do_not_call: {exclude: true, statuses: [Unsubscribed]}\n")
    leads = [
        LeadFacts(1, TODAY, do_not_call=True),
        LeadFacts(2, TODAY, status="unsubscribed"),
        LeadFacts(3, TODAY, status="DNC"),
        LeadFacts(4, TODAY),
    ]
    # "DNC" is not one of this config's values, so lead 3 stays
    assert _kept(finding, leads) == ([3, 4], {(1, "do_not_call"), (2, "do_not_call")})


def test_do_not_call_off_keeps_everyone():
    finding = _finding("  do_not_call: {exclude: false}\n")
    assert _kept(finding, [LeadFacts(1, TODAY, do_not_call=True)]) == ([1], set())


def test_include_and_exclude_tags():
    finding = _finding("  tags: {include: [hot, warm], exclude: [spam]}\n")
    leads = [
        LeadFacts(1, TODAY, tags=frozenset({"hot"})),
        LeadFacts(2, TODAY, tags=frozenset({"hot", "spam"})),
        LeadFacts(3, TODAY, tags=frozenset({"cold"})),
        LeadFacts(4, TODAY),
    ]
    assert _kept(finding, leads) == ([1], {(2, "tags"), (3, "tags"), (4, "tags")})


def test_required_fields():
    finding = _finding("  required_fields: [email, phone]\n")
    leads = [
        LeadFacts(1, TODAY, present_fields=frozenset({"email", "phone"})),
        LeadFacts(2, TODAY, present_fields=frozenset({"email"})),
    ]
    kept, excluded, _ = filter_leads(leads, finding, today=TODAY)
    assert [lead.id for lead in kept] == [1]
    assert [(e.lead_id, e.reason, e.detail) for e in excluded] == [(2, "required_fields", "missing phone")]


def test_already_owned_leads_are_left_alone():
    finding = _finding("  only_unassigned: true\n")
    assert _kept(finding, [LeadFacts(1, TODAY, owner_id=5), LeadFacts(2, TODAY)]) == ([2], {(1, "owner")})


def test_priority_order_and_max_leads():
    finding = _finding(
        "  priority_order: [{field: priority, direction: desc}, {field: score, direction: desc}]\n  max_leads: 3\n"
    )
    leads = [
        LeadFacts(1, TODAY, priority=1, score=5),
        LeadFacts(2, TODAY, priority=3),
        LeadFacts(3, TODAY, priority=1, score=9),
        LeadFacts(4, TODAY, priority=0),
    ]
    assert _kept(finding, leads) == ([2, 3, 1], {(4, "max_leads")})
    assert _kept(finding, leads, max_leads=1)[0] == [2]
