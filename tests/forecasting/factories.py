"""A book of deals for forecasting tests, written from the engine's seeded synthetic world."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from forecasting.engine import from_day
from forecasting.engine.synthetic import synthetic_world
from revops.models import Account, Opportunity, OpportunityStageChange
from revops.models.crm import Segment, Stage

_SEGMENT = {"smb": Segment.SMB, "mid_market": Segment.MID_MARKET, "enterprise": Segment.ENTERPRISE}


def deal_book(
    organization, owners: list, *, n: int, seed: int = 0, today: dt.date, prefix: str = "Deal"
) -> list[Opportunity]:
    """``n`` deals ending around ``today`` (most closed, the newest open), owned in turn by
    ``owners`` (users), each with its stage history."""
    span = 720
    start = (today - dt.timedelta(days=span)) - dt.date(1970, 1, 1)
    table, _ = synthetic_world(
        n,
        seed=seed,
        start_day=start.days,
        span_days=span - 10,
        today=(today - dt.date(1970, 1, 1)).days,
        owners=len(owners),
    )
    accounts = {
        seg: Account.objects.create(
            organization=organization, name=f"{prefix} account {seg}", segment=_SEGMENT[seg]
        )
        for seg in ("smb", "mid_market", "enterprise")
    }
    opps = []
    for i in range(n):
        won = int(table.won[i])
        stage = Stage.CLOSED_WON if won == 1 else Stage.CLOSED_LOST if won == 0 else Stage.QUALIFICATION
        created = from_day(int(table.created[i]))
        opps.append(
            Opportunity(
                organization=organization,
                account=accounts[str(table.categoricals["segment"][i])],
                owner=owners[int(table.owner[i])],
                name=f"{prefix} {i + 1}",
                stage=stage,
                amount=Decimal(str(table.amount[i])).quantize(Decimal("0.01")),
                created_date=created,
                expected_close_date=created + dt.timedelta(days=60),
                close_date=from_day(int(table.closed[i])) if won >= 0 else None,
                lead_source=str(table.categoricals["lead_source"][i]),
            )
        )
    Opportunity.objects.bulk_create(opps)
    moves = []
    stages = ("prospecting", "qualification", "proposal", "negotiation")
    for d, day, s in zip(table.hist_deal, table.hist_day, table.hist_stage, strict=True):
        opp = opps[int(d)]
        moves.append(
            OpportunityStageChange(
                organization=organization,
                opportunity=opp,
                from_stage="",
                to_stage=stages[int(s)],
                amount=opp.amount,
                changed_at=dt.datetime.combine(from_day(int(day)), dt.time(12), tzinfo=dt.UTC),
            )
        )
    for opp in opps:
        if opp.close_date:
            moves.append(
                OpportunityStageChange(
                    organization=organization,
                    opportunity=opp,
                    from_stage="negotiation",
                    to_stage=opp.stage,
                    amount=opp.amount,
                    changed_at=dt.datetime.combine(opp.close_date, dt.time(13), tzinfo=dt.UTC),
                )
            )
    OpportunityStageChange.objects.bulk_create(moves)
    # Open deals: the world's stage as of today.
    return opps
