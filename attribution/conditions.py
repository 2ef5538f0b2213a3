"""The rule conditions on lists of values, one object each: the key in the rule schema and the
engine's `Conditions`, the label a rule summary uses, the builder's choices, and the database
paths that prefilter links a rule can match (`attribution.selectors.splits.rule_change_accounts`).

A new list condition is an entry here plus its match in `attribution.engine.rules` (and its
field in `attribution.rule_schema.RuleConditions` / `attribution.engine.types.Conditions`).
Amount bounds are not lists and are handled beside these.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from attribution.models import PartnerRole
from revops.models import Partner
from revops.models.crm import Region, Segment, Stage


@dataclass(frozen=True)
class ListCondition:
    """A condition that holds when the link's value is one of the rule's values."""

    key: str
    label: str
    # Choices of the rule builder's field; None when the view supplies them (product lines).
    choices: Callable[[], list[tuple[str, str]]] | None
    # ORM path from an OpportunityPartner / AccountPartner to the matched value; None on a
    # deal link when the value cannot be filtered in SQL (JSON lists), on an account link when
    # the condition never matches one (stages and product lines belong to deals).
    deal_path: str | None
    account_path: str | None
    never_on_accounts: bool = False


LIST_CONDITIONS: tuple[ListCondition, ...] = (
    ListCondition("roles", "role", lambda: PartnerRole.choices, "role", "role"),
    ListCondition("partner_types", "partner type", lambda: PartnerRole.choices, None, None),
    ListCondition("partner_tiers", "tier", lambda: Partner.Tier.choices, "partner__tier", "partner__tier"),
    ListCondition(
        "stages", "stage", lambda: Stage.choices, "opportunity__stage", None, never_on_accounts=True
    ),
    ListCondition(
        "product_lines", "product line", None, "opportunity__product_line__code", None, never_on_accounts=True
    ),
    # A deal's segment and region are its account's (the engine's deal facts carry none).
    ListCondition(
        "segments", "segment", lambda: Segment.choices, "opportunity__account__segment", "account__segment"
    ),
    ListCondition(
        "regions", "region", lambda: Region.choices, "opportunity__account__region", "account__region"
    ),
)
