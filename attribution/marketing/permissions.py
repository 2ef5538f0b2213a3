"""Marketing attribution's part of the permission table.

- `VIEW`: model comparison, channel performance, runs, exports (admin, manager, finance).
  These pages show organization-wide channel figures, so reps do not get them.
- `JOURNEYS`: the journey explorer; a rep sees only journeys of their own accounts' deals.
- `RUN`: run a model configuration (admin, manager); `PROMOTE`: choose the run finance
  reports on (admin, finance); `IMPORT`: load touchpoints and spend (admin, manager).
Partners have none of these.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Account, Role
from revops.permissions import Kind, RecordKind, Scope, UserIds, owned_by


class MarketingCap(StrEnum):
    VIEW = "marketing.view"
    JOURNEYS = "marketing.journeys"
    RUN = "marketing.run"
    PROMOTE = "marketing.promote"
    IMPORT = "marketing.import"


class MarketingKind(StrEnum):
    TOUCH = "marketing.touch"
    CREDIT = "marketing.credit"


CAPABILITIES: dict[Role, frozenset[MarketingCap]] = {
    Role.ADMIN: frozenset(MarketingCap),
    Role.MANAGER: frozenset(
        {MarketingCap.VIEW, MarketingCap.JOURNEYS, MarketingCap.RUN, MarketingCap.IMPORT}
    ),
    Role.FINANCE: frozenset({MarketingCap.VIEW, MarketingCap.JOURNEYS, MarketingCap.PROMOTE}),
    Role.REP: frozenset({MarketingCap.JOURNEYS}),
}


def _touch_on_owned_account(user_ids: UserIds) -> Q:
    return Q(account_id__in=Account.objects.filter(owned_by(Kind.ACCOUNT, user_ids)).values("id"))


TOUCH = RecordKind(MarketingKind.TOUCH, owned_by=_touch_on_owned_account)
CREDIT = RecordKind(MarketingKind.CREDIT, owned_by=_touch_on_owned_account)

_SCOPES = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES = [(TOUCH, _SCOPES), (CREDIT, _SCOPES)]
