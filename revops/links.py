"""Where a record of each kind is shown: one registry, so every table and the search link alike.

The core registers its own pages (deals, accounts); a domain app registers a better page for a
kind from its `AppConfig.ready` (attribution: a partner's ledger lines). The last registration
a member's role may open wins; without one the record is shown as plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from revops.models import Membership
from revops.permissions import Cap, has_cap


@dataclass(frozen=True)
class ObjectLink:
    kind: str
    cap: Cap
    url_for: Callable[[int], str]


_LINKS: dict[str, list[ObjectLink]] = {}


def object_link_register(kind: str, cap: Cap, url_for: Callable[[int], str]) -> None:
    """Show records of `kind` at `url_for(pk)` to members holding `cap` (later wins)."""
    links = _LINKS.setdefault(kind, [])
    links[:] = [link for link in links if link.url_for is not url_for]
    links.append(ObjectLink(kind, cap, url_for))


def object_url(kind: str, pk: int, membership: Membership | None) -> str | None:
    """The page for record `pk` of `kind` that `membership` may open; None when there is none."""
    for link in reversed(_LINKS.get(kind, [])):
        if has_cap(membership, link.cap):
            return link.url_for(pk)
    return None


def register_core_links() -> None:
    object_link_register(
        "deal", Cap.OPPORTUNITY_VIEW, lambda pk: reverse("revops:opportunity-detail", args=[pk])
    )
    object_link_register("account", Cap.ACCOUNT_VIEW, lambda pk: reverse("revops:account-detail", args=[pk]))
    object_link_register("partner", Cap.PARTNER_VIEW, lambda pk: reverse("revops:partner-detail", args=[pk]))
