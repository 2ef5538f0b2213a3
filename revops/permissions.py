"""Roles → capabilities and row scopes: the one table that pages, API, admin and selectors ask.

Two questions, one answer each:

- *May this member do X?* `has_cap(membership, cap)`. `ROLE_CAPABILITIES` lists what each
  role may do; a capability not listed is refused, and an unknown role has none.
- *Which rows of kind K may this member see?* `scoped(queryset, membership, kind=K)`.
  `ROLE_SCOPES` gives each role one `Scope` per record kind; a kind not listed for a role is
  `Scope.NONE`. Every `visible_to(membership)` and every selector goes through `scoped`.

The scopes mean:

- `own`: rows the member owns (deals they own; accounts they own or sell to; what hangs off
  those, such as revenue and attribution entries).
- `team`: the member's own rows and those of everyone who reports to them, directly or through
  managers below them (the `Membership.manager` chain, followed to any depth). A sales leader
  expects to see what their managers' reps sell. The `team` text on a membership is a label
  for people and reports only: sharing a team name grants nothing. A manager marked
  `org_wide` sees the whole organization instead.
- `partner`: rows of the partner the member acts for (partner users).
- `organization`: every row of the member's organization.
- `none`: nothing.

Nobody sees another organization's rows: every scope filters by the member's organization
first, and an inactive or missing membership sees nothing.

The core declares its own capabilities and record kinds below. Domain apps register theirs
from `AppConfig.ready` with `register_capabilities` and `register_record_kind`, the way they
register navigation, schedules and demo steps, so the table stays the one place that answers
while each app owns its part of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import cast

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission

from revops.models import Membership, Opportunity, Role


class Cap(StrEnum):
    """The core's capabilities; apps declare their own `StrEnum` and register it."""

    DASHBOARD_VIEW = "dashboard.view"
    OPPORTUNITY_VIEW = "opportunity.view"
    OPPORTUNITY_EDIT = "opportunity.edit"
    OPPORTUNITY_IMPORT = "opportunity.import"
    # Bulk files of reference records (accounts, partners, product lines, products): org-wide.
    RECORD_IMPORT = "record.import"
    ACCOUNT_VIEW = "account.view"
    ACCOUNT_EDIT = "account.edit"
    PARTNER_VIEW = "partner.view"
    PARTNER_EDIT = "partner.edit"
    CATALOG_VIEW = "catalog.view"
    CATALOG_EDIT = "catalog.edit"
    PERIOD_VIEW = "period.view"
    PERIOD_CLOSE = "period.close"
    JOB_VIEW = "job.view"
    EXPORT = "export"
    API_ACCESS = "api.access"
    TOKEN_MANAGE_OWN = "token.manage_own"
    TOKEN_MANAGE_ALL = "token.manage_all"
    ADMIN_SITE = "admin.site"
    AUDIT_VIEW = "audit.view"
    # Back up the whole organization and restore backups into new ones (admins only).
    ORGANIZATION_BACKUP = "organization.backup"
    PORTAL = "portal"


_INTERNAL_READ = {
    Cap.DASHBOARD_VIEW,
    Cap.OPPORTUNITY_VIEW,
    Cap.ACCOUNT_VIEW,
    Cap.PARTNER_VIEW,
    Cap.CATALOG_VIEW,
    Cap.PERIOD_VIEW,
    Cap.EXPORT,
    Cap.API_ACCESS,
    Cap.TOKEN_MANAGE_OWN,
}

# Apps add to these sets through `register_capabilities`; nothing else writes them.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(Cap) - {Cap.PORTAL},
    Role.MANAGER: frozenset(
        _INTERNAL_READ
        | {Cap.OPPORTUNITY_EDIT, Cap.OPPORTUNITY_IMPORT, Cap.RECORD_IMPORT, Cap.ACCOUNT_EDIT, Cap.JOB_VIEW}
    ),
    Role.FINANCE: frozenset(_INTERNAL_READ | {Cap.PERIOD_CLOSE, Cap.JOB_VIEW, Cap.AUDIT_VIEW}),
    Role.REP: frozenset(_INTERNAL_READ | {Cap.OPPORTUNITY_EDIT}),
    Role.PARTNER: frozenset({Cap.PORTAL}),
}


def register_capabilities(grants: Mapping[Role, Iterable[str]]) -> None:
    """Grant an app's capabilities to roles (idempotent: `ready()` may run more than once)."""
    for role, caps in grants.items():
        ROLE_CAPABILITIES[Role(role)] = ROLE_CAPABILITIES.get(role, frozenset()) | frozenset(caps)


def has_cap(membership: Membership | None, cap: str) -> bool:
    """True when the member's role grants `cap`; no membership means no capability."""
    if membership is None or not membership.is_active:
        return False
    return cap in ROLE_CAPABILITIES.get(membership.role, frozenset())


# --- Row scopes ---------------------------------------------------------------------------------


class Scope(StrEnum):
    """How much of a record kind a role sees (see the module docstring)."""

    NONE = "none"
    OWN = "own"
    TEAM = "team"
    PARTNER = "partner"
    ORGANIZATION = "organization"


class Kind(StrEnum):
    """The core's record kinds; apps register theirs (e.g. "attribution.entry")."""

    OPPORTUNITY = "opportunity"
    ACCOUNT = "account"
    PARTNER = "partner"


UserIds = list[int] | RawSQL


@dataclass(frozen=True)
class RecordKind:
    """How the scopes read on one kind of record.

    `owned_by(user_ids)` is the condition for rows owned by those users (what `own` and `team`
    select); `of_partner(partner_id)` the condition for one partner's rows (what `partner`
    selects). A kind without one of them answers nothing for that scope.
    """

    name: str
    owned_by: Callable[[UserIds], Q] | None = None
    of_partner: Callable[[int], Q] | None = None


def _deals_owned_by(user_ids: UserIds) -> Q:
    return Q(owner_id__in=user_ids)


def _accounts_owned_by(user_ids: UserIds) -> Q:
    # Accounts they own, and accounts they sell to: a rep's account stays theirs even
    # before it has a deal, and an account they sell into is theirs to see.
    sold_to = Opportunity.objects.filter(owner_id__in=user_ids).values("account_id")
    return Q(owner_id__in=user_ids) | Q(id__in=sold_to)


RECORD_KINDS: dict[str, RecordKind] = {
    Kind.OPPORTUNITY: RecordKind(Kind.OPPORTUNITY, owned_by=_deals_owned_by),
    Kind.ACCOUNT: RecordKind(Kind.ACCOUNT, owned_by=_accounts_owned_by),
    Kind.PARTNER: RecordKind(Kind.PARTNER, of_partner=lambda partner_id: Q(pk=partner_id)),
}

_ORG = Scope.ORGANIZATION
# Role → record kind → scope. Apps add their kinds through `register_record_kind`.
ROLE_SCOPES: dict[str, dict[str, Scope]] = {
    Role.ADMIN: {Kind.OPPORTUNITY: _ORG, Kind.ACCOUNT: _ORG, Kind.PARTNER: _ORG},
    Role.MANAGER: {Kind.OPPORTUNITY: Scope.TEAM, Kind.ACCOUNT: Scope.TEAM, Kind.PARTNER: _ORG},
    Role.FINANCE: {Kind.OPPORTUNITY: _ORG, Kind.ACCOUNT: _ORG, Kind.PARTNER: _ORG},
    Role.REP: {Kind.OPPORTUNITY: Scope.OWN, Kind.ACCOUNT: Scope.OWN, Kind.PARTNER: _ORG},
    Role.PARTNER: {Kind.PARTNER: Scope.PARTNER},
}


def register_record_kind(kind: RecordKind, scopes: Mapping[Role, Scope]) -> None:
    """Declare an app's record kind and each role's scope on it (roles left out see nothing)."""
    RECORD_KINDS[kind.name] = kind
    for role, scope in scopes.items():
        ROLE_SCOPES.setdefault(Role(role), {})[kind.name] = Scope(scope)


def owned_by(kind: str, user_ids: UserIds) -> Q:
    """The condition for rows of `kind` owned by `user_ids`, for apps whose records hang off
    core records (revenue of a deal the rep owns)."""
    record_kind = RECORD_KINDS[kind]
    return record_kind.owned_by(user_ids) if record_kind.owned_by else Q(pk__in=[])


def scope_for(membership: Membership | None, kind: str) -> Scope:
    """The member's scope on `kind`: the table's entry, `team` widened by `org_wide`."""
    if membership is None or not membership.is_active:
        return Scope.NONE
    scope = ROLE_SCOPES.get(membership.role, {}).get(kind, Scope.NONE)
    if scope is Scope.TEAM and membership.org_wide:
        return Scope.ORGANIZATION
    return scope


_TEAM_SQL = (
    "WITH RECURSIVE team(id, user_id) AS ("
    "SELECT id, user_id FROM {table} WHERE id = %s AND organization_id = %s "
    "UNION SELECT m.id, m.user_id FROM {table} m JOIN team ON m.manager_id = team.id "
    "WHERE m.organization_id = %s"
    ") SELECT user_id FROM team"
)


def team_user_ids(membership: Membership) -> RawSQL:
    """The member and everyone reporting to them, directly or through managers below them.

    One recursive subquery (SQLite and PostgreSQL alike) whatever the depth, so scoping adds
    no query; UNION (not UNION ALL) ends a cycle in the manager chain.
    """
    org = membership.organization_id
    # Only the table name (from the model) is formatted in; every value is a parameter.
    sql = _TEAM_SQL.format(table=Membership._meta.db_table)
    return RawSQL(sql, (membership.pk, org, org))  # noqa: S611


def scope_user_ids(membership: Membership | None, kind: str = Kind.OPPORTUNITY) -> UserIds | None:
    """Whose rows of `kind` the member sees: None for the whole organization, else user ids."""
    scope = scope_for(membership, kind)
    if membership is None or scope is Scope.NONE:
        return []
    if scope is Scope.ORGANIZATION:
        return None
    if scope is Scope.TEAM:
        return team_user_ids(membership)
    if scope is Scope.OWN:
        return [membership.user_id]
    return []


def scoped(queryset: QuerySet, membership: Membership | None, *, kind: str) -> QuerySet:
    """`queryset` narrowed to the rows of `kind` the member may see (deny by default)."""
    scope = scope_for(membership, kind)
    if membership is None or scope is Scope.NONE:
        return queryset.none()
    queryset = queryset.filter(organization_id=membership.organization_id)
    record_kind = RECORD_KINDS[kind]
    if scope is Scope.ORGANIZATION:
        return queryset
    if scope is Scope.PARTNER:
        if record_kind.of_partner is None or membership.partner_id is None:
            return queryset.none()
        return queryset.filter(record_kind.of_partner(membership.partner_id))
    user_ids = scope_user_ids(membership, kind)
    if record_kind.owned_by is None or user_ids is None:
        return queryset.none()
    return queryset.filter(record_kind.owned_by(user_ids))


# --- Enforcement at the interfaces --------------------------------------------------------------


def require_cap(request: HttpRequest, cap: str) -> Membership:
    """Return the request's membership or raise PermissionDenied."""
    membership = getattr(request, "membership", None)
    if not has_cap(membership, cap):
        raise PermissionDenied
    return cast("Membership", membership)  # has_cap refuses a missing membership


class CapabilityRequiredMixin:
    """For class-based views: `required_cap` must be granted, or 403 (anonymous → login)."""

    required_cap: str | None = None

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
        if self.required_cap is None:
            raise PermissionDenied  # deny by default: a view must name what it needs
        require_cap(request, self.required_cap)
        return super().dispatch(request, *args, **kwargs)


def cap_required(cap: str):
    """Decorator form of CapabilityRequiredMixin for function views."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
            require_cap(request, cap)
            return view(request, *args, **kwargs)

        wrapped.required_cap = cap
        return wrapped

    return decorator


class HasCapability(BasePermission):
    """DRF: the view's `required_cap` (or `required_caps` per action) must be granted."""

    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        # Partner users reach the API only through the views meant for them (`audience`
        # "portal", see revops.api.base); everyone else needs API access. Any other endpoint
        # answers a partner user (or their token) 404, as the internal pages do: the portal
        # boundary does not tell them what exists beyond it.
        portal_view = getattr(view, "audience", "") == "portal"
        if not portal_view and has_cap(membership, Cap.PORTAL):
            raise NotFound
        gate = Cap.PORTAL if portal_view else Cap.API_ACCESS
        if not has_cap(membership, gate):
            return False
        caps = getattr(view, "required_caps", None) or {}
        cap = caps.get(getattr(view, "action", None) or request.method.lower()) or getattr(
            view, "required_cap", None
        )
        if cap is None:
            return False
        return has_cap(membership, cap)


def can_use_admin(user, membership: Membership | None) -> bool:
    """Staff admin is for superusers and organization admins only."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return has_cap(membership, Cap.ADMIN_SITE)


class AdminAccessMiddleware:
    """Keep everyone but org admins and superusers out of /admin/ (404, not a login page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.path.startswith("/admin/")
            and request.user.is_authenticated
            and not can_use_admin(request.user, getattr(request, "membership", None))
        ):
            raise Http404
        return self.get_response(request)


PORTAL_PREFIX = "/portal/"
# Where a partner user may go besides the portal: the API (which answers by capability), the
# public form behind a partner's signed registration link (/register/, no login needed),
# static files, the health check, and these pages of the core: sign-in and the account pages of allauth (no
# namespace), the organization switch, and the progress page and download of their own exports.
PORTAL_USER_PREFIXES = (PORTAL_PREFIX, "/register/", "/api/", "/static/", "/favicon", "/healthz/")
PORTAL_USER_PAGES = frozenset(
    {"revops:organization-switch", "revops:export-status", "revops:export-download"}
)


def _open_to_portal_users(path: str) -> bool:
    if path.startswith(PORTAL_USER_PREFIXES):
        return True
    try:
        match = resolve(path)
    except Resolver404:
        return True  # the 404 it gets anyway
    if match.view_name in PORTAL_USER_PAGES:
        return True
    return not match.namespace and path.startswith("/accounts/")  # allauth: sign-in, password


class PortalBoundaryMiddleware:
    """Partner users live in the portal: the internal pages answer them 404, as if absent.

    The product's home sends them to the portal, so signing in lands there. Internal roles get
    404 under /portal/ from the portal's own views (partners.views.access.portal_required).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = getattr(request, "membership", None)
        if (
            request.user.is_authenticated
            and has_cap(membership, Cap.PORTAL)
            and not _open_to_portal_users(request.path_info)
        ):
            if request.path_info == "/":
                return HttpResponseRedirect(PORTAL_PREFIX)
            raise Http404
        return self.get_response(request)


API_PREFIX = "/api/"
FORM_METHODS = ("GET", "HEAD", "POST")


class FormMethodsMiddleware:
    """Pages, the admin and sign-in speak HTML forms: GET, HEAD and POST; anything else is 405.

    Django views that do not check the method treat PUT or DELETE like GET (and form views
    treat PUT like POST), so each new page would silently accept methods nobody classified.
    The API (under /api/) declares its methods per view and answers 405 itself.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in FORM_METHODS and not request.path.startswith(API_PREFIX):
            return HttpResponseNotAllowed(FORM_METHODS)
        return self.get_response(request)
