"""Who may call the partner program's API: internal members with API access, and partner users
(session or token) on the endpoints made for them, each with the action's capability."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from revops.permissions import Cap, has_cap


class HasPartnerApiCapability(BasePermission):
    """The action's capability (`required_caps`), and API access or the portal capability.

    Partner users hold no general API access; the dispute endpoints answer them (and their
    tokens) like the portal does, scoped to their partner by the same selectors.
    """

    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        if not (has_cap(membership, Cap.API_ACCESS) or has_cap(membership, Cap.PORTAL)):
            return False
        cap = (getattr(view, "required_caps", None) or {}).get(getattr(view, "action", None) or "")
        return cap is not None and has_cap(membership, cap)
