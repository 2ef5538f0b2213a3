"""The portal's door: partner users only; everyone else is told the page does not exist."""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from revops.permissions import Cap, has_cap


def portal_required(view):
    """Anonymous → sign in; internal roles (no `Cap.PORTAL`) → 404, as if there were no portal."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?next={request.get_full_path()}")
        if not has_cap(getattr(request, "membership", None), Cap.PORTAL):
            raise Http404
        return view(request, *args, **kwargs)

    wrapped.required_cap = Cap.PORTAL  # type: ignore[attr-defined]
    return wrapped
