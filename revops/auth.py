"""Authentication glue: allauth adapter and the username django-axes locks on."""

from allauth.account.adapter import DefaultAccountAdapter


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
