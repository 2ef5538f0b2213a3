"""Commissions' implementation of the core's quota provider.

Registered in `CommissionsConfig.ready`: forecasting's attainment and coverage read each rep's
quota through `revops.providers.quotas`. A rep's quota for a period is the sum of their
business objectives (every product line) for the months that start inside the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Sum

from commissions.models import BusinessObjective
from revops.providers import Quotas

QUOTA_SOURCE = "business objectives"


def objective_quotas(organization, *, start: dt.date, end: dt.date, user_ids: Sequence[int] | None) -> Quotas:
    """Σ objectives per rep for the months starting in ``[start, end)`` (one query)."""
    rows = BusinessObjective.objects.filter(organization=organization, month__gte=start, month__lt=end)
    if user_ids is not None:
        rows = rows.filter(rep_id__in=list(user_ids))
    totals = rows.order_by().values("rep_id").annotate(total=Sum("amount")).values_list("rep_id", "total")
    return Quotas({rep: Decimal(total).quantize(Decimal("0.01")) for rep, total in totals}, QUOTA_SOURCE)
