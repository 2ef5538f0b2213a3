"""Reading signed registration links: the token in the URL, and a partner's links.

The token is `django.core.signing.dumps` of the link's id, the partner's and the organization's
ids, the link's nonce and its expiry (a Unix timestamp), with the salt `LINK_SALT` and the
project's secret key. `link_for_token` answers:

- `LinkNotFound` for a value that is not a valid signature (tampered, truncated, signed for
  another purpose or with another key), or whose ids or nonce do not match a link — changing
  the partner id in the token breaks its signature, so a link cannot be replayed for another
  partner;
- `LinkGone` for a genuine link that is revoked or past its expiry, or whose partner is no
  longer active;
- the link otherwise.
"""

from __future__ import annotations

import datetime as dt

from django.core import signing
from django.db.models import QuerySet
from django.utils import timezone

from partners.models import RegistrationLink
from partners.permissions import PartnerCap
from revops.models import Membership, Partner
from revops.permissions import has_cap

LINK_SALT = "partners.registration-link"


class LinkNotFound(Exception):
    """Not a link of ours (bad signature, or no such link)."""


class LinkGone(Exception):
    """A link of ours that no longer works (revoked or expired)."""


def link_token(link: RegistrationLink) -> str:
    """The signed value that goes in the link's URL."""
    payload = {
        "l": link.pk,
        "p": link.partner_id,
        "o": link.organization_id,
        "n": link.nonce,
        "e": int(link.expires_at.timestamp()),
    }
    return signing.dumps(payload, salt=LINK_SALT, compress=True)


def link_for_token(token: str, *, now: dt.datetime | None = None) -> RegistrationLink:
    """The link a token stands for (see the module docstring for the refusals)."""
    try:
        payload = signing.loads(token, salt=LINK_SALT)
    except signing.BadSignature as exc:
        raise LinkNotFound from exc
    if not isinstance(payload, dict):
        raise LinkNotFound
    link = (
        RegistrationLink.objects.select_related("partner", "organization")
        .filter(
            pk=payload.get("l"),
            partner_id=payload.get("p"),
            organization_id=payload.get("o"),
            nonce=payload.get("n"),
        )
        .first()
    )
    if link is None:
        raise LinkNotFound
    now = now or timezone.now()
    if (
        link.partner.status != Partner.Status.ACTIVE
        or link.revoked_at is not None
        or link.expires_at <= now
        or payload.get("e", 0) <= now.timestamp()
    ):
        raise LinkGone
    return link


def partner_links(*, membership: Membership, partner_id: int) -> QuerySet[RegistrationLink]:
    """A partner's links, for those who manage them (deny by default)."""
    if not has_cap(membership, PartnerCap.LINK_MANAGE):
        return RegistrationLink.objects.none()
    return RegistrationLink.objects.filter(
        organization_id=membership.organization_id, partner_id=partner_id
    ).select_related("created_by")
