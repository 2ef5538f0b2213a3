"""Forecasting's part of the permission table: its capabilities and record kinds.

- `VIEW`: risk dashboard, deal intelligence, forecast and model pages. A rep sees their own
  deals' scores only; a manager their team's; admin, finance the organization's.
- `CALL`: submit one's own forecast call (reps and managers).
- `ADJUST`: adjust a report's call with a reason (managers, admin).
- `TRAIN`: train the win model, score deals, take snapshots, build the PDF (admin, managers).
- The organization-wide forecast (all deals' Monte Carlo) is shown to whoever sees the
  organization's deals; a rep sees their own deals' forecast and their own call.
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Role
from revops.permissions import RecordKind, Scope, UserIds


class ForecastCap(StrEnum):
    VIEW = "forecasting.view"
    CALL = "forecasting.call"
    ADJUST = "forecasting.adjust"
    TRAIN = "forecasting.train"


class ForecastKind(StrEnum):
    SCORE = "forecasting.score"
    CALL = "forecasting.call"


CAPABILITIES: dict[Role, frozenset[ForecastCap]] = {
    Role.ADMIN: frozenset(ForecastCap),
    Role.MANAGER: frozenset(ForecastCap),
    Role.FINANCE: frozenset({ForecastCap.VIEW}),
    Role.REP: frozenset({ForecastCap.VIEW, ForecastCap.CALL}),
}


def _deal_owner_in(user_ids: UserIds) -> Q:
    return Q(opportunity__owner_id__in=user_ids)


def _call_owner_in(user_ids: UserIds) -> Q:
    return Q(owner_id__in=user_ids)


SCORE = RecordKind(ForecastKind.SCORE, owned_by=_deal_owner_in)
CALL = RecordKind(ForecastKind.CALL, owned_by=_call_owner_in)

_SCOPE = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = ((SCORE, _SCOPE), (CALL, _SCOPE))
