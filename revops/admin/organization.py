"""Admin for organizations (superusers), memberships and users (e-mail login, no username)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from revops.admin.base import (
    OrganizationScopedAdmin,
    SuperuserOnlyAdmin,
    is_superuser,
    request_organization,
    scoped_queryset,
)
from revops.models import Membership, Organization, Role, User
from revops.permissions import Cap, has_cap
from revops.services.crm import record_create

# Roles an organization admin may give when inviting a user; partner users need a partner,
# so they are invited from the membership form instead.
INVITE_ROLES = [(r.value, r.label) for r in Role if r != Role.PARTNER]


@admin.register(Organization)
class OrganizationAdmin(SuperuserOnlyAdmin):
    list_display = ("name", "slug", "currency", "time_zone", "fiscal_year_start_month")
    list_filter = ("currency", "time_zone")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    ordering = ("name",)


@admin.register(Membership)
class MembershipAdmin(OrganizationScopedAdmin):
    list_display = ("user", "role", "team", "manager", "partner", "org_wide", "is_active")
    list_filter = ("role", "is_active", "org_wide", "team")
    list_select_related = ("user", "manager__user", "partner", "organization")
    search_fields = ("user__email", "user__first_name", "user__last_name", "team")
    autocomplete_fields = ("user", "manager", "partner")
    ordering = ("user__email",)


USER_EXISTS = "A user with that e-mail address already exists."
ALREADY_MEMBER = "This person is already a member of your organization."
# For any other address that cannot become a new user: nothing about other organizations.
CANNOT_INVITE = (
    "This e-mail address cannot be used for a new user. If the person already signs in to "
    "revops, ask a superuser to add them to your organization."
)


class RevopsUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        # Sign-in looks e-mails up lower-cased (as the user manager stores them).
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(USER_EXISTS)
        return email


class RevopsUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class InviteUserCreationForm(RevopsUserCreationForm):
    """Add form for organization admins: the new user joins their organization with a role.

    An address already in use is named as such only when its user is a member of the admin's
    own organization; otherwise the answer says nothing of who uses it or where.
    """

    role = forms.ChoiceField(choices=INVITE_ROLES, initial=Role.REP)
    organization: Organization | None = None  # set by UserAdmin.get_form

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        existing = User.objects.filter(email__iexact=email).first()
        if existing is None:
            return email
        if (
            self.organization is not None
            and existing.memberships.filter(organization=self.organization).exists()
        ):
            raise forms.ValidationError(ALREADY_MEMBER)
        raise forms.ValidationError(CANNOT_INVITE)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Users are global; an organization admin sees and edits the members of their organization.

    Flags that reach beyond one organization (staff, superuser, groups, permissions) are
    for superusers only, and a user who also belongs to another organization is read-only
    for an organization admin.
    """

    form = RevopsUserChangeForm
    add_form = RevopsUserCreationForm
    list_display = ("email", "first_name", "last_name", "is_active", "last_login")
    list_filter = ("is_active", "is_superuser")
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    show_full_result_count = False
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "current_organization")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    member_fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Access", {"fields": ("is_active",)}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    invite_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )

    def _admin_of_org(self, request) -> bool:
        return has_cap(getattr(request, "membership", None), Cap.ADMIN_SITE)

    def _only_in_this_org(self, request, obj) -> bool:
        organization = request_organization(request)
        return not obj.memberships.exclude(organization=organization).exists()

    def has_module_permission(self, request):
        return is_superuser(request) or self._admin_of_org(request)

    def has_view_permission(self, request, obj=None):
        if is_superuser(request):
            return True
        return self._admin_of_org(request) and (
            obj is None or scoped_queryset(User, request).filter(pk=obj.pk).exists()
        )

    def has_add_permission(self, request):
        return is_superuser(request) or self._admin_of_org(request)

    def has_change_permission(self, request, obj=None):
        if is_superuser(request):
            return True
        if not self.has_view_permission(request, obj):
            return False
        return obj is None or self._only_in_this_org(request, obj)

    def has_delete_permission(self, request, obj=None):
        return is_superuser(request)  # members leave by deactivation; deleting is for superusers

    def get_queryset(self, request):
        if is_superuser(request):
            return super().get_queryset(request)
        return scoped_queryset(User, request)

    def get_search_results(self, request, queryset, search_term):
        # Autocomplete (account owner, membership user) offers the organization's members only.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if not is_superuser(request):
            queryset = queryset.filter(pk__in=scoped_queryset(User, request).values("pk"))
        return queryset, may_have_duplicates

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets if is_superuser(request) else self.invite_fieldsets
        return self.fieldsets if is_superuser(request) else self.member_fieldsets

    def get_form(self, request, obj=None, **kwargs):
        if obj is None and not is_superuser(request):
            form = type(
                "OrganizationInviteForm",
                (InviteUserCreationForm,),
                {"organization": request_organization(request)},
            )
            kwargs["form"] = form
        return super().get_form(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("queryset", scoped_queryset(db_field.remote_field.model, request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        role = form.cleaned_data.get("role")
        if change or not role:
            return
        # Same transaction as the user (the admin's change form is atomic): no orphan users.
        record_create(
            model=Membership,
            organization=request_organization(request),
            actor=request.user,
            data={"user": obj, "role": role},
        )


# Groups and Django permissions are not how revops grants access (roles are); superusers only.
admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SuperuserOnlyAdmin):
    search_fields = ("name",)
    ordering = ("name",)
    filter_horizontal = ("permissions",)
