from attribution.marketing.models.runs import (
    MODEL_CHOICES,
    MODEL_LABELS,
    AttributionRun,
    CampaignResult,
    ChannelResult,
    ConversionEvent,
    JourneyLevel,
    ModelConfig,
    PeriodResult,
    RunStatus,
    TouchCredit,
)
from attribution.marketing.models.touches import Campaign, CampaignSpend, Channel, Touchpoint, TouchSource

__all__ = [
    "MODEL_CHOICES",
    "MODEL_LABELS",
    "AttributionRun",
    "Campaign",
    "CampaignResult",
    "CampaignSpend",
    "Channel",
    "ChannelResult",
    "ConversionEvent",
    "JourneyLevel",
    "ModelConfig",
    "PeriodResult",
    "RunStatus",
    "TouchCredit",
    "TouchSource",
    "Touchpoint",
]
