"""Finance invites a rep: the account and membership are created and the rep is mailed a link to
set their password (allauth's reset link), which works; a taken e-mail changes nothing."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from revops.models import AuditEvent, Membership, User

pytestmark = pytest.mark.django_db

PAGE = reverse("commissions:rep-invite")


def test_an_invited_rep_gets_an_e_mail_to_set_their_password(
    org, manager, finance_admin, client_for, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(finance_admin).post(
            PAGE,
            {
                "email": "Nina.Rowe@Acme.test",
                "first_name": "Nina",
                "last_name": "Rowe",
                "role": "rep",
                "manager": manager.pk,
                "team": "East",
            },
        )
    # then: the account, on the manager's team, without a usable password
    assert response.status_code == 302
    member = Membership.objects.get(organization=org, user__email="nina.rowe@acme.test")
    assert (member.role, member.manager_id, member.team) == ("rep", manager.pk, "East")
    assert not member.user.has_usable_password()
    assert AuditEvent.objects.filter(action="commissions.rep.invite", object_id=str(member.pk)).count() == 1
    (message,) = mail.outbox
    assert (message.to, message.subject) == (["nina.rowe@acme.test"], "You are invited to Acme on revops")
    # and the link sets the password
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", message.body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    client.post(set_url, {"password1": "A-long-pass-phrase-42", "password2": "A-long-pass-phrase-42"})
    assert User.objects.get(pk=member.user_id).check_password("A-long-pass-phrase-42")


def test_an_e_mail_already_taken_is_refused_and_nothing_is_sent(
    org, rep, finance_admin, client_for, django_capture_on_commit_callbacks
):
    # given
    members = Membership.objects.count()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(finance_admin).post(
            PAGE, {"email": "rep1@acme.test", "first_name": "R", "last_name": "One", "role": "rep"}
        )
    # then
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Membership.objects.count() == members
    assert mail.outbox == []


def test_a_rep_cannot_invite(rep, client_for):
    # when
    response = client_for(rep).post(
        PAGE, {"email": "x@acme.test", "first_name": "X", "last_name": "Y", "role": "rep"}
    )
    # then
    assert response.status_code == 403
    assert not User.objects.filter(email="x@acme.test").exists()
