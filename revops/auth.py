"""Authentication glue: allauth adapter, the username and client address django-axes locks on."""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    """Users are invited by an admin; nobody signs themselves up."""

    def is_open_for_signup(self, request) -> bool:
        return False


def axes_username(request, credentials: dict | None) -> str:
    """The login axes counts failures for: the e-mail, lower-cased (allauth's `login` field)."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or ""
    if not value and request is not None and request.method == "POST":
        value = request.POST.get("login", "")
    return value.strip().lower()


def client_ip(request) -> str:
    """The client's address, as django-axes (lockout) and the rate limits see it.

    Directly exposed (`REVOPS_TRUSTED_PROXY_COUNT` = 0, the default): `REMOTE_ADDR`, and any
    `X-Forwarded-For` header is ignored (a client could write anything there). Behind N
    trusted proxies, each of which appends the address it received from to X-Forwarded-For
    (nginx's `$proxy_add_x_forwarded_for`, a load balancer): the N-th address from the right,
    the one the outermost trusted proxy saw. Addresses to its left are the client's to
    invent and are never used. A header too short for N, or not an address, falls back to
    `REMOTE_ADDR`.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = getattr(settings, "REVOPS_TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    hops = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(hops) < count:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-count]))
    except ValueError:
        return remote


def lockout_clear_on_password_reset(sender, request, user, **kwargs) -> None:
    """The unlock path: whoever proves they own the e-mail (a reset link) clears its lockouts."""
    from axes.utils import reset  # type: ignore[import-untyped]

    reset(username=user.email.strip().lower())
