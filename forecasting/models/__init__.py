from forecasting.models.forecast import ForecastCall, ForecastSnapshot, OpportunityAttributes
from forecasting.models.modelling import CurrentScores, DealScore, ModelKind, ModelVersion
from forecasting.models.narratives import NarrativeRephrase

__all__ = [
    "CurrentScores",
    "DealScore",
    "ForecastCall",
    "ForecastSnapshot",
    "ModelKind",
    "ModelVersion",
    "NarrativeRephrase",
    "OpportunityAttributes",
]
