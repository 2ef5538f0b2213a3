"""The admin: audit events are read-only; tokens are revoked through the service."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from revops.models import (
    ApiToken,
    AuditEvent,
)
from revops.services.audit import audit_record
from revops.services.tokens import api_token_create
from tests.revops.factories import UserFactory

pytestmark = pytest.mark.django_db


def _changelist_url(model) -> str:
    return reverse(f"admin:revops_{model._meta.model_name}_changelist")


def test_audit_event_admin_has_no_add_change_or_delete(admin, client_for):
    # given
    event = audit_record(
        organization=admin.organization, actor=None, action="x.y", object_type="t", object_id="1"
    )
    model_admin = admin_site_admin(AuditEvent)
    request = RequestFactory().get("/admin/")
    request.user, request.membership, request.organization = admin.user, admin, admin.organization
    client = client_for(admin)
    # when
    add = client.get(reverse("admin:revops_auditevent_add"))
    change = client.post(reverse("admin:revops_auditevent_change", args=[event.pk]), {"action": "edited"})
    delete = client.post(reverse("admin:revops_auditevent_delete", args=[event.pk]), {"post": "yes"})
    # then
    perms = (
        model_admin.has_add_permission(request),
        model_admin.has_change_permission(request, event),
        model_admin.has_delete_permission(request, event),
    )
    assert perms == (False, False, False)
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["x.y"]


def test_superuser_cannot_add_or_delete_audit_events(org):
    # given
    root = UserFactory(email="root@revops.test", is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user, request.membership, request.organization = root, None, None
    model_admin = admin_site_admin(AuditEvent)
    # then
    assert model_admin.has_view_permission(request) is True
    assert (model_admin.has_add_permission(request), model_admin.has_delete_permission(request)) == (
        False,
        False,
    )


def admin_site_admin(model):
    return admin.site._registry[model]


def test_revoke_action_revokes_token_with_audit(admin, client_for):
    # given
    token, _ = api_token_create(
        organization=admin.organization, user=admin.user, name="sync", acting_user=admin.user
    )
    url = _changelist_url(ApiToken)
    data = {"action": "revoke_tokens", "_selected_action": [str(token.pk)], "index": "0"}
    # when
    client_for(admin).post(url, data)
    # then
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert event.after == {"revoked_at": token.revoked_at.isoformat()}
