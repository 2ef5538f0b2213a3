"""Partner attribution data: partner links, settings, rules, revenue events and the ledger."""

from attribution.models.ledger import (
    AttributionEntry,
    AttributionExplanation,
    AttributionLedgerTotal,
    AttributionPartnerDeal,
    AttributionPeriodSeal,
)
from attribution.models.links import AccountPartner, LinkSource, LinkStatus, OpportunityPartner, PartnerRole
from attribution.models.revenue import RevenueDayTotal, RevenueEvent
from attribution.models.rules import AttributionRule, AttributionRuleVersion
from attribution.models.settings import AttributionSettings, DefaultSplits, SiMode

__all__ = [
    "AccountPartner",
    "AttributionEntry",
    "AttributionExplanation",
    "AttributionLedgerTotal",
    "AttributionPartnerDeal",
    "AttributionPeriodSeal",
    "AttributionRule",
    "AttributionRuleVersion",
    "AttributionSettings",
    "DefaultSplits",
    "LinkSource",
    "LinkStatus",
    "OpportunityPartner",
    "PartnerRole",
    "RevenueDayTotal",
    "RevenueEvent",
    "SiMode",
]
