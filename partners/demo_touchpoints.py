"""Demo data of partner touchpoints and split changes (the approval queue's other kinds).

Each partner login reports three activities on accounts it works (an approved workshop that
gives it influence credit on the account's open deals it was not on, a rejected event with
the reason, a demo still waiting); then, with a 20-point review size, an admin's change of one
partner's split by 30 points waits in the queue for another approver.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attribution.services.links import opportunity_partner_change
from partners.selectors.touchpoints import touchpoint_accounts, touchpoint_deals
from partners.services.program import program_settings_get
from partners.services.touchpoints import TouchpointInput, touchpoint_decide, touchpoint_submit
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext
from revops.models import Role
from revops.providers import SplitReview

REVIEW_POINTS = Decimal("20")


def seed_partner_touchpoints(ctx: SeedContext) -> dict[str, int]:
    org = ctx.organization
    managers = [m for m in ctx.members(Role.MANAGER) if m.org_wide] or ctx.members(Role.MANAGER)
    approver = managers[0]
    touchpoints = 0

    def at(days_ago: int, hour: int = 10) -> dt.datetime:
        return ctx.at(ctx.today - dt.timedelta(days=days_ago), hour)

    for member in ctx.members(Role.PARTNER):
        accounts = list(touchpoint_accounts(membership=member)[:3])
        if not accounts:
            continue
        deals = {d.account_id: d for d in touchpoint_deals(membership=member)}

        def report(account, kind: str, days_ago: int, text: str, *, member=member, deals=deals):
            return touchpoint_submit(
                membership=member,
                data=TouchpointInput(
                    account=account,
                    opportunity=deals.get(account.pk) if kind != "workshop" else None,
                    activity_type=kind,
                    occurred_on=ctx.today - dt.timedelta(days=days_ago),
                    description=text,
                ),
                now=at(days_ago - 1 if days_ago > 1 else 0),
            )

        workshop = report(accounts[0], "workshop", 18, "Data strategy workshop with the buying committee")
        touchpoint_decide(membership=approver, touchpoint_id=workshop.pk, approve=True, now=at(15, 14))
        event = report(accounts[-1], "event", 10, "Booth visit at the regional summit")
        touchpoint_decide(
            membership=approver,
            touchpoint_id=event.pk,
            approve=False,
            reason="A booth visit is not an activity for this account; report a meeting instead.",
            now=at(8, 11),
        )
        report(accounts[min(1, len(accounts) - 1)], "demo", 2, "Product demo for the operations team")
        touchpoints += 3
    settings = program_settings_get(organization=org)
    settings.split_change_review_points = REVIEW_POINTS
    settings.save(update_fields=["split_change_review_points", "updated_at"])
    waiting = _one_split_change(ctx)
    return {"touchpoints": touchpoints, "split changes waiting": int(waiting)}


def _one_split_change(ctx: SeedContext) -> bool:
    """An admin moves one partner's split by 30 points: it waits for another approver."""
    admin = ctx.members(Role.ADMIN)[0]
    for member in ctx.members(Role.PARTNER):
        for deal in touchpoint_deals(membership=member)[:5]:
            link = deal.partner_links.filter(partner_id=member.partner_id, status="active").first()
            if link is None:
                continue
            current = link.split_percent or Decimal("0")
            proposed = current + Decimal("30") if current <= Decimal("50") else current - Decimal("30")
            outcome = opportunity_partner_change(
                membership=admin,
                opportunity=deal,
                partner=link.partner,
                role=link.role,
                split_percent=proposed,
                reason="Partner ran the technical evaluation; proposing a larger share.",
            )
            return isinstance(outcome, SplitReview)
    return False


register_step(
    "partner_touchpoints",
    seed_partner_touchpoints,
    phase=Phase.CLOSED_BOOKS,
    requires=("partner_program",),
)
