"""Partner managers invite, re-invite and deactivate colleagues in the portal; the invitation's
link sets the password once and expires; nobody deactivates themselves or another partner's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from allauth.account.forms import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse

from partners.services.users import ERROR_SELF, partner_user_deactivate, partner_user_invite
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, Membership, Role, User
from revops.services.invitations import ERROR_ACCEPTED

pytestmark = pytest.mark.django_db

NEW = {"email": "new.colleague@northwind.test", "first_name": "Nia", "last_name": "Okafor"}


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body)[0]


def _invite(client) -> Membership:
    with_commit = client.post(reverse("portal:users"), NEW)
    assert with_commit.status_code == 302
    return Membership.objects.get(user__email=NEW["email"])


def _accept(link: str, password: str = "a-Long-new-passw0rd!"):
    client = Client()
    path = link.split("testserver", 1)[1]
    first = client.get(path)
    assert first.status_code == 302, first.status_code
    return client, client.post(first["Location"], {"password1": password, "password2": password})


def test_manager_invites_a_colleague_bound_to_the_partner(
    partner_manager, partner, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(client_for(partner_manager))
    assert membership.role == Role.PARTNER and membership.partner == partner
    assert membership.organization_id == partner_manager.organization_id
    assert not membership.user.has_usable_password()
    assert not hasattr(membership, "partner_manager_grant")
    (message,) = mail.outbox
    assert message.to == [NEW["email"]]
    assert "Northwind Partners" in message.body
    assert AuditEvent.objects.filter(action="partners.user.invite", object_id=str(membership.pk)).exists()


def test_the_link_sets_the_password_once(partner_manager, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(client_for(partner_manager))
    link = _link(mail.outbox[0])
    _, done = _accept(link)
    assert done.status_code == 302
    user = User.objects.get(pk=membership.user_id)
    assert user.check_password("a-Long-new-passw0rd!")
    # Used once: the same link no longer works, and the password stays.
    again = Client().get(link.split("testserver", 1)[1], follow=True)
    assert again.context["token_fail"] is True
    assert User.objects.get(pk=membership.user_id).check_password("a-Long-new-passw0rd!")


def test_the_link_expires(partner_manager, client_for, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(client_for(partner_manager))
    link = _link(mail.outbox[0])
    later = dt.datetime.now() + dt.timedelta(days=4)  # the reset timeout is three days
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = Client().get(link.split("testserver", 1)[1], follow=True)
    assert response.context["token_fail"] is True
    assert not User.objects.get(pk=membership.user_id).has_usable_password()


def test_resend_mails_a_new_link_until_accepted(
    partner_manager, client_for, django_capture_on_commit_callbacks
):
    client = client_for(partner_manager)
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:user-resend", args=[membership.pk]))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[NEW["email"]], [NEW["email"]]]
    _accept(_link(mail.outbox[1]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:user-resend", args=[membership.pk]))
    assert len(mail.outbox) == 2  # accepted: nothing more is sent
    assert ERROR_ACCEPTED.format(email=NEW["email"]) in client.get(reverse("portal:users")).content.decode()


def test_manager_deactivates_a_colleague(partner_manager, partner_colleague, client_for):
    response = client_for(partner_manager).post(
        reverse("portal:user-deactivate", args=[partner_colleague.pk])
    )
    assert response.status_code == 302
    assert Membership.objects.get(pk=partner_colleague.pk).is_active is False
    assert AuditEvent.objects.filter(action="partners.user.deactivate").count() == 1
    # The deactivated colleague no longer reaches the portal.
    assert client_for(partner_colleague).get(reverse("portal:home")).status_code == 404


def test_nobody_deactivates_themselves(partner_manager, client_for):
    client = client_for(partner_manager)
    response = client.post(reverse("portal:user-deactivate", args=[partner_manager.pk]), follow=True)
    assert ERROR_SELF in response.content.decode()
    assert Membership.objects.get(pk=partner_manager.pk).is_active is True
    with pytest.raises(ApplicationError):
        partner_user_deactivate(membership=partner_manager, colleague=partner_manager)
    assert not AuditEvent.objects.filter(action="partners.user.deactivate").exists()


@pytest.mark.parametrize("route", ["portal:user-deactivate", "portal:user-resend"])
def test_another_partners_user_is_not_found(
    partner_manager, other_partner_user, other_org_admin, client_for, route
):
    client = client_for(partner_manager)
    assert client.post(reverse(route, args=[other_partner_user.pk])).status_code == 404
    assert client.post(reverse(route, args=[other_org_admin.pk])).status_code == 404
    assert Membership.objects.get(pk=other_partner_user.pk).is_active is True
    assert Membership.objects.get(pk=other_org_admin.pk).is_active is True


def test_partner_user_without_the_grant_gets_404(partner_colleague, partner_user, client_for):
    client = client_for(partner_colleague)
    assert client.get(reverse("portal:users")).status_code == 404
    assert client.post(reverse("portal:users"), NEW).status_code == 404
    assert client.post(reverse("portal:user-deactivate", args=[partner_user.pk])).status_code == 404
    assert not User.objects.filter(email=NEW["email"]).exists()
    assert Membership.objects.get(pk=partner_user.pk).is_active is True


def test_list_shows_only_the_partners_users(
    partner_manager, partner_colleague, other_partner_user, client_for
):
    page = client_for(partner_manager).get(reverse("portal:users")).content.decode()
    assert partner_colleague.user.email in page and partner_manager.user.email in page
    assert other_partner_user.user.email not in page


def test_existing_email_is_refused(partner_manager, other_partner_user, client_for):
    response = client_for(partner_manager).post(
        reverse("portal:users"), NEW | {"email": other_partner_user.user.email}
    )
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert Membership.objects.filter(user=other_partner_user.user).count() == 1


def test_service_refuses_non_managers(partner_colleague):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        partner_user_invite(membership=partner_colleague, base_url="http://testserver/", **NEW)
    assert not User.objects.filter(email=NEW["email"]).exists()
