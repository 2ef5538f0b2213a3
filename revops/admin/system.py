"""Admin for what services write and nobody edits: job runs, the audit trail, API tokens."""

from __future__ import annotations

from django.contrib import admin, messages

from revops.admin.base import CappedPaginator, ReadOnlyScopedAdmin
from revops.models import ApiToken, AuditEvent, JobRun
from revops.permissions import Cap
from revops.services.tokens import api_token_revoke


@admin.register(JobRun)
class JobRunAdmin(ReadOnlyScopedAdmin):
    view_cap = Cap.JOB_VIEW
    list_display = ("kind", "status", "progress", "started_by", "created_at", "started_at", "finished_at")
    list_filter = ("status", "kind", "created_at")
    list_select_related = ("started_by",)
    search_fields = ("kind", "idempotency_key")
    ordering = ("-created_at", "-id")
    paginator = CappedPaginator


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyScopedAdmin):
    """The audit trail is append-only: no add, change or delete, for anybody."""

    view_cap = Cap.AUDIT_VIEW
    list_display = ("created_at", "action", "object_type", "object_id", "actor", "reason")
    list_filter = ("action", "object_type", "created_at")
    list_select_related = ("actor",)
    search_fields = ("action", "object_type", "object_id", "reason")
    ordering = ("-created_at", "-id")
    paginator = CappedPaginator


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyScopedAdmin):
    """Tokens are created from the token page (the key is shown once); here they are revoked."""

    view_cap = Cap.TOKEN_MANAGE_ALL
    list_display = ("name", "prefix", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__email")
    ordering = ("-created_at", "-id")
    actions = ["revoke_tokens"]

    def has_revoke_permission(self, request) -> bool:
        return self._granted(request, Cap.TOKEN_MANAGE_ALL)

    @admin.action(description="Revoke selected tokens", permissions=["revoke"])
    def revoke_tokens(self, request, queryset):
        revoked = 0
        for token in queryset.select_related("organization"):
            if token.is_active:
                api_token_revoke(token=token, acting_user=request.user)
                revoked += 1
        self.message_user(request, f"{revoked} token(s) revoked.", messages.SUCCESS)
