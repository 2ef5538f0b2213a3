from forecasting.models.forecast import ForecastCall, ForecastSnapshot, OpportunityAttributes
from forecasting.models.modelling import DealScore, ModelKind, ModelVersion

__all__ = [
    "DealScore",
    "ForecastCall",
    "ForecastSnapshot",
    "ModelKind",
    "ModelVersion",
    "OpportunityAttributes",
]
