"""Rule builder: dry-run preview, save with diagnostics, templates, sentence box, files, access."""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from attribution.models import AttributionEntry, AttributionRule, AttributionRuleVersion
from attribution.rule_schema import rules_from_json, rules_from_yaml
from attribution.selectors.splits import deal_split_results
from attribution.services.rules import rule_create
from revops.models import AuditEvent, JobRun
from tests.attribution.factories import OpportunityPartnerFactory
from tests.attribution.factories_pages import build_book
from tests.revops.factories import OpportunityFactory, PartnerFactory, ProductLineFactory

pytestmark = pytest.mark.django_db

NEW_URL = reverse("attribution:rule-new")
DENY_ISV = {
    "name": "No ISV credit",
    "scope": "opportunity",
    "priority": "10",
    "roles": ["isv"],
    "action": "deny",
}


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _nothing_saved(org):
    return (
        AttributionRule.objects.filter(organization=org).count(),
        AttributionRuleVersion.objects.count(),
        AuditEvent.objects.filter(action__startswith="attribution_rule").count(),
    )


def test_preview_lists_the_exact_deals_that_change_and_saves_nothing(org, book, admin, client_for):
    # given
    entries_before = AttributionEntry.objects.count()
    # when
    response = client_for(admin).post(NEW_URL, {**DENY_ISV, "intent": "preview"}, HTTP_HX_REQUEST="true")
    # then: Beta's 5 % of the 10,000.00 deal goes; totals 1,500 + 4,000 → 1,000 + 4,000
    assert response.status_code == 200
    preview = response.context["preview"]
    changes = [
        (
            c.target_name,
            c.partner_name,
            c.role,
            c.before_percent,
            c.after_percent,
            c.before_amount,
            c.after_amount,
        )
        for c in preview.changes
    ]
    assert changes == [
        (
            "Initech Analytics",
            "Beta",
            "isv",
            Decimal("5.00"),
            Decimal("0.00"),
            Decimal("500.00"),
            Decimal("0.00"),
        )
    ]
    assert (preview.before_total, preview.after_total, preview.change) == (
        Decimal("5500.00"),
        Decimal("5000.00"),
        Decimal("-500.00"),
    )
    assert "Nothing has been saved." in response.content.decode()
    assert _nothing_saved(org) == (0, 0, 0)
    assert AttributionEntry.objects.count() == entries_before


def test_preview_of_an_edit_swaps_the_current_version(org, book, admin, client_for):
    # given: a cap at 15 % on referral partners is saved; the edit lowers it to 10 %
    rule, _, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Cap referral",
        definition={"conditions": {"roles": ["referral"]}, "action": {"kind": "cap", "percent": "15"}},
    )
    data = {
        "scope": "opportunity",
        "priority": "100",
        "roles": ["referral"],
        "action": "cap",
        "percent": "10",
    }
    data.update({"is_active": "on", "reason": "Tighter", "intent": "preview"})
    # when
    response = client_for(admin).post(
        reverse("attribution:rule-edit", args=[rule.pk]), data, HTTP_HX_REQUEST="true"
    )
    # then: Alpha on Umbrella goes 15 % → 10 % (3,000.00 → 2,000.00); Initech's Alpha is already at 10 %
    preview = response.context["preview"]
    assert [(c.target_name, c.before_percent, c.after_percent, c.change) for c in preview.changes] == [
        ("Umbrella Platform", Decimal("15.00"), Decimal("10.00"), Decimal("-1000.00"))
    ]
    assert AttributionRuleVersion.objects.filter(rule=rule).count() == 1


def test_save_creates_the_rule_and_shows_diagnostics(org, book, admin, client_for):
    # given: an allow rule at the same priority conflicts with the deny rule
    rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Allow ISV",
        priority=10,
        definition={"conditions": {"roles": ["isv"]}, "action": {"kind": "allow"}},
    )
    # when
    response = client_for(admin).post(NEW_URL, {**DENY_ISV, "intent": "save"}, follow=True)
    # then
    rule = AttributionRule.objects.get(name="No ISV credit")
    # the one stored form: defaults left out, whichever door the rule came through
    assert (rule.priority, rule.current_version.definition) == (
        10,
        {"scope": "opportunity", "conditions": {"roles": ["isv"]}, "action": {"kind": "deny"}},
    )
    html = response.content.decode()
    # the given rule queued its own alignment; the saved one is keyed by its version
    job = JobRun.objects.filter(organization=org, kind="attribution.recompute").latest("pk")
    assert job.idempotency_key == f"attribution.recompute:rules-{rule.current_version.pk}"
    assert f"Rule “No ISV credit” saved as version 1; the ledger is being recomputed (job #{job.pk})." in html
    assert (
        "Conflict: Rules &#x27;Allow ISV&#x27; and &#x27;No ISV credit&#x27; have the same priority (10)"
        in html
    )


def test_edit_needs_a_reason_and_changes_nothing_without_one(org, admin, client_for):
    # given
    rule, _, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 10",
        definition={"conditions": {"roles": ["referral"]}, "action": {"kind": "set_split", "percent": "10"}},
    )
    audits = AuditEvent.objects.filter(action__startswith="attribution_rule").count()
    data = {
        "scope": "opportunity",
        "priority": "100",
        "roles": ["referral"],
        "action": "set_split",
        "percent": "12",
    }
    # when
    response = client_for(admin).post(
        reverse("attribution:rule-edit", args=[rule.pk]), {**data, "intent": "save"}
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == ["This field is required."]
    assert AttributionRuleVersion.objects.filter(rule=rule).count() == 1
    assert AuditEvent.objects.filter(action__startswith="attribution_rule").count() == audits


def test_template_prefills_the_builder(admin, client_for):
    # when
    response = client_for(admin).get(NEW_URL, {"template": "cap-isv-15"})
    # then
    form = response.context["form"]
    assert (form.initial["name"], form.initial["roles"], form.initial["action"], form.initial["percent"]) == (
        "Cap ISV at 15 %",
        ["isv"],
        "cap",
        Decimal("15"),
    )


def test_sentence_fills_the_builder_and_saves_nothing(org, book, admin, client_for):
    # when
    response = client_for(admin).post(
        reverse("attribution:rule-parse"),
        {"sentence": "ISV partners get no credit on Analytics deals"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.status_code == 200
    assert response.context["summary"] == "Deal · role isv · product line analytics → Deny credit"
    initial = response.context["form"].initial
    assert (initial["roles"], initial["product_lines"], initial["action"]) == (["isv"], ["analytics"], "deny")
    assert 'id="parse-result"' in response.content.decode()
    assert _nothing_saved(org) == (0, 0, 0)


def test_sentence_box_shows_what_it_did_not_understand(org, admin, client_for):
    # when
    response = client_for(admin).post(
        reverse("attribution:rule-parse"),
        {"sentence": "Referral partners get 10 % on purple deals"},
        HTTP_HX_REQUEST="true",
    )
    # then
    assert response.context["failure"].unknown_words == ("purple",)
    assert "<code>purple</code>" in response.content.decode()
    assert _nothing_saved(org) == (0, 0, 0)


def _referral_rule(admin, *, priority: int = 100):
    return rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 10",
        priority=priority,
        definition={"conditions": {"roles": ["referral"]}, "action": {"kind": "set_split", "percent": "10"}},
    ).rule


def _parse(client, sentence: str):
    return client.post(reverse("attribution:rule-parse"), {"sentence": sentence}, HTTP_HX_REQUEST="true")


def _save_filled(client, response):
    """Save the builder as the sentence filled it (what the user does after the preview)."""
    initial = response.context["form"].initial
    data = {key: value for key, value in initial.items() if value not in (None, [], False)}
    return client.post(NEW_URL, {**data, "intent": "save"})


def _analytics_referral_link(org):
    """A referral link with no manual percent on an Analytics deal: the rules decide its split."""
    analytics = ProductLineFactory(organization=org, name="Analytics", code="analytics")
    deal = OpportunityFactory(organization=org, product_line=analytics, amount=Decimal("10000.00"))
    partner = PartnerFactory(organization=org, name="Alpha", types=["referral"])
    return OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner, role="referral", split_percent=None
    )


def test_a_sentence_without_a_priority_is_placed_where_it_can_decide(org, admin, client_for):
    # given: "Referral 10" at the default priority 100 covers every referral link
    link = _analytics_referral_link(org)
    existing = _referral_rule(admin)
    client = client_for(admin)
    # when: a sentence names no priority, and the builder is saved as it was filled
    response = _parse(client, "Give referral partners 12% on Analytics deals")
    saved = _save_filled(client, response)
    # then: it comes just ahead of "Referral 10" (lower runs first) and decides the link's split
    assert response.context["form"].initial["priority"] == 99
    assert response.context["placement"].ahead_of == "Referral 10"
    assert "ahead of rule “Referral 10”" in response.content.decode()
    assert saved.status_code == 302
    rule = AttributionRule.objects.exclude(pk=existing.pk).get(organization=org)
    assert rule.priority == 99
    [result] = deal_split_results(deal=link.opportunity)
    assert (result.explanation.rule_id, result.percent) == (rule.pk, Decimal("12.00"))


def test_a_sentence_that_no_rule_shadows_keeps_the_default_priority(org, admin, client_for):
    # given: the only rule matches ISV links, which the sentence does not touch
    ProductLineFactory(organization=org, name="Analytics", code="analytics")
    rule_create(
        organization=org,
        actor=admin.user,
        name="ISV 5",
        definition={"conditions": {"roles": ["isv"]}, "action": {"kind": "set_split", "percent": "5"}},
    )
    # when
    response = _parse(client_for(admin), "Give referral partners 12% on Analytics deals")
    # then
    assert response.context["form"].initial["priority"] == 100
    assert response.context["placement"].ahead_of is None


def test_a_priority_the_sentence_names_is_kept(org, admin, client_for):
    # given
    ProductLineFactory(organization=org, name="Analytics", code="analytics")
    _referral_rule(admin, priority=10)
    # when: the sentence asks for 50, behind "Referral 10" (which then decides first)
    response = _parse(client_for(admin), "Give referral partners 12% on Analytics deals with priority 50")
    # then
    assert response.context["form"].initial["priority"] == 50
    assert response.context["placement"] is None


def _two_rules(admin):
    rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 10",
        definition={"conditions": {"roles": ["referral"]}, "action": {"kind": "set_split", "percent": "10"}},
    )
    rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Deny lost",
        priority=5,
        definition={"conditions": {"stages": ["closed_lost"]}, "action": {"kind": "deny"}},
    )


@pytest.mark.parametrize(("fmt", "load"), [("json", rules_from_json), ("yaml", rules_from_yaml)])
def test_export_downloads_the_rule_set(org, admin, client_for, fmt, load):
    # given
    _two_rules(admin)
    # when
    response = client_for(admin).get(reverse("attribution:rule-export"), {"format": fmt})
    # then
    rules = load(response.content.decode())
    assert [(r.name, r.priority, r.action.kind.value, r.action.percent) for r in rules] == [
        ("Deny lost", 5, "deny", None),
        ("Referral 10", 100, "set_split", Decimal("10")),
    ]


def test_import_previews_then_confirms(org, admin, client_for):
    # given
    _two_rules(admin)
    content = json.dumps(
        {
            "rules": [
                {
                    "name": "Referral 10",
                    "conditions": {"roles": ["referral"]},
                    "action": {"kind": "set_split", "percent": "12"},
                },
                {
                    "name": "ISV cap",
                    "conditions": {"roles": ["isv"]},
                    "action": {"kind": "cap", "percent": "15"},
                },
            ]
        }
    )
    client = client_for(admin)
    # when: the upload only previews
    preview = client.post(
        reverse("attribution:rule-import"), {"file": SimpleUploadedFile("rules.json", content.encode())}
    )
    # then
    assert [(s["definition"].name, s["existing"] is not None) for s in preview.context["plan"]] == [
        ("Referral 10", True),
        ("ISV cap", False),
    ]
    assert AttributionRule.objects.filter(organization=org).count() == 2
    # when: confirmed
    client.post(reverse("attribution:rule-import-confirm"), {"content": content, "filename": "rules.json"})
    # then
    versions = dict(
        AttributionRule.objects.filter(organization=org).values_list("name", "current_version__number")
    )
    assert versions == {"Deny lost": 1, "Referral 10": 2, "ISV cap": 1}


def test_import_of_a_bad_file_is_refused(org, admin, client_for):
    # when
    response = client_for(admin).post(
        reverse("attribution:rule-import"),
        {"file": SimpleUploadedFile("rules.yaml", b"rules:\n  - name: X\n    action: {kind: cap}\n")},
    )
    # then
    assert response.status_code == 400
    assert response.context["error"] == "Rule 1: action: percent: a cap action needs a percent"
    assert _nothing_saved(org) == (0, 0, 0)


@pytest.mark.parametrize("role_fixture", ["rep", "manager", "finance_admin"])
def test_only_rule_editors_may_save_rules(request, org, client_for, role_fixture):
    # given
    member = request.getfixturevalue(role_fixture)
    # when
    response = client_for(member).post(NEW_URL, {**DENY_ISV, "intent": "save"})
    # then
    assert response.status_code == 403
    assert _nothing_saved(org) == (0, 0, 0)


def test_saving_a_rule_brings_the_ledger_in_line_through_the_queued_recompute(
    org, book, admin, client_for, django_capture_on_commit_callbacks
):
    # given: Beta holds 5 % (50.00) of the 1,000.00 January event as ISV
    assert AttributionEntry.objects.get(partner=book.beta).amount == Decimal("50.00")
    # when: an admin saves "No ISV credit" and the queued recompute runs (tasks run in process)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin).post(NEW_URL, {**DENY_ISV, "intent": "save"})
    # then: Beta's credit is reversed, Alpha's is untouched, the run succeeded
    job = JobRun.objects.get(organization=org, kind="attribution.recompute")
    assert (job.status, job.progress) == ("succeeded", 100)
    beta = list(AttributionEntry.objects.filter(partner=book.beta).order_by("sequence"))
    assert [(e.kind, e.amount) for e in beta] == [
        ("original", Decimal("50.00")),
        ("reversal", Decimal("-50.00")),
    ]
    assert beta[1].reverses_id == beta[0].pk
    assert sorted(AttributionEntry.objects.filter(partner=book.alpha).values_list("amount", flat=True)) == [
        Decimal("100.00"),
        Decimal("400.00"),
    ]
