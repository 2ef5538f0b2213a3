"""The approval queue page: filters, SLA order, bulk decisions (reason required to reject),
the conflict inline, and a query count that does not grow with the rows."""

import datetime as dt

from django.core import mail
from django.urls import reverse

from attribution.models import OpportunityPartner
from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.services.registrations import registration_submit
from tests.partners.factories import registration_input
from tests.revops.factories import AccountFactory, OpportunityFactory


def _three(partner_user, other_partner_user, line):
    a = registration_submit(
        membership=partner_user,
        data=registration_input(line, account_name="Alpha One", domain="alpha.example"),
    )
    b = registration_submit(
        membership=other_partner_user,
        data=registration_input(line, account_name="Beta Two", domain="beta.example"),
    )
    c = registration_submit(
        membership=other_partner_user,
        data=registration_input(line, account_name="Alpha One", domain="alpha.example"),
    )
    return a, b, c


def test_queue_lists_pending_soonest_sla_first_with_conflict_inline(
    partner_user, other_partner_user, manager, line, client_for
):
    # given: b is due first
    a, b, _c = _three(partner_user, other_partner_user, line)
    DealRegistration.objects.filter(pk=b.pk).update(step_due_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    # when
    html = client_for(manager).get(reverse("partners:queue")).content.decode()
    # then
    assert html.index("registration-" + str(b.pk)) < html.index("registration-" + str(a.pk))
    assert "past SLA" in html
    assert f"Northwind Partners #{a.pk}" in html  # c's conflict names a's partner and registration


def test_queue_filter_conflict_only(partner_user, other_partner_user, manager, line, client_for):
    _a, b, c = _three(partner_user, other_partner_user, line)
    html = (
        client_for(manager)
        .get(reverse("partners:queue"), {"status": "submitted", "conflict": "yes"})
        .content.decode()
    )
    assert f'id="registration-{c.pk}"' in html
    assert f'id="registration-{b.pk}"' not in html


def test_queue_query_count_is_constant(
    partner_user, other_partner_user, manager, line, client_for, django_assert_max_num_queries
):
    # given
    for i in range(15):
        registration_submit(
            membership=partner_user,
            data=registration_input(line, account_name=f"Company {i}", domain=f"c{i}.example"),
        )
    client = client_for(manager)
    client.get(reverse("partners:queue"))  # warm the session
    # when / then
    # (the page reads three kinds — registrations, touchpoints, split changes —: each kind's rows
    # in one query and its figures in two, whatever the number of rows)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("partners:queue"))
    assert response.content.decode().count('name="ids"') == 15


def test_bulk_approve_links_each_deal(partner_user, other_partner_user, manager, line, client_for):
    a, b, _c = _three(partner_user, other_partner_user, line)
    response = client_for(manager).post(
        reverse("partners:bulk-decide"), {"ids": [a.pk, b.pk], "action": "approve"}, follow=True
    )
    assert "Approved 2 registrations." in response.content.decode()
    assert set(
        DealRegistration.objects.filter(status=RegistrationStatus.APPROVED).values_list("pk", flat=True)
    ) == {a.pk, b.pk}
    assert OpportunityPartner.objects.filter(source="registration").count() == 2


def test_bulk_reject_without_reason_changes_nothing(
    partner_user, other_partner_user, manager, line, client_for
):
    a, b, _c = _three(partner_user, other_partner_user, line)
    response = client_for(manager).post(
        reverse("partners:bulk-decide"), {"ids": [a.pk, b.pk], "action": "reject"}, follow=True
    )
    assert "Give the partner a reason for the rejection." in response.content.decode()
    assert DealRegistration.objects.filter(status=RegistrationStatus.SUBMITTED).count() == 3
    assert ApprovalDecision.objects.count() == 0


def test_bulk_reject_with_reason_mails_each_partner(
    partner_user, other_partner_user, manager, line, client_for, django_capture_on_commit_callbacks
):
    a, b, _c = _three(partner_user, other_partner_user, line)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(manager).post(
            reverse("partners:bulk-decide"),
            {"ids": [a.pk, b.pk], "action": "reject", "reason": "Out of territory"},
        )
    assert (
        DealRegistration.objects.filter(
            status=RegistrationStatus.REJECTED, decision_reason="Out of territory"
        ).count()
        == 2
    )
    assert sorted(m.to[0] for m in mail.outbox) == ["partner1@acme.test", "partner2@acme.test"]


def test_second_in_window_is_refused_in_bulk_with_its_reason(
    partner_user, other_partner_user, manager, line, client_for
):
    # given: a and c claim the same company and product line
    a, _b, c = _three(partner_user, other_partner_user, line)
    # when
    response = client_for(manager).post(
        reverse("partners:bulk-decide"), {"ids": [a.pk, c.pk], "action": "approve"}, follow=True
    )
    # then: a approved, c refused with the protecting registration named
    html = response.content.decode()
    assert "Approved 1 registration." in html
    assert f"#{c.pk}: Registration {a.pk} protects Alpha One" in html
    c.refresh_from_db()
    assert c.status == RegistrationStatus.SUBMITTED


def test_registration_page_shows_the_whole_conflict_check(org, partner_user, rep, manager, line, client_for):
    account = AccountFactory(
        organization=org, name="Bluebird Logistics", domain="bluebird.example", owner=rep.user
    )
    OpportunityFactory(organization=org, account=account, owner=rep.user, name="Bluebird rollout")
    registration = registration_submit(membership=partner_user, data=registration_input(line))
    html = client_for(manager).get(reverse("partners:registration", args=[registration.pk])).content.decode()
    assert "Bluebird rollout" in html and "Bluebird Logistics — domain" in html
    assert f"Owning rep: {rep.user.get_full_name() or rep.user.email}" in html
    assert 'id="decide-form"' in html
