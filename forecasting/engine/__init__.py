"""Pure forecasting engine: deals in, calibrated probabilities, risk, timing and revenue out.

No ORM, no request: numpy, pandas, LightGBM and scikit-learn on a column-wise
``DealTable`` (days are integers since 1970-01-01, see ``to_day``). Semantics:

* **Features as of a day** (``features``): only events dated on or before the day and other
  deals' outcomes closed strictly before it; adding later data never changes them.
* **Win probability** (``winmodel``): LightGBM trained on examples of closed deals taken at
  snapshot days while they were open, split by deal (oldest 70 % train, 15 % calibrate, newest
  15 % test); isotonic or sigmoid calibration chosen by cross-fitted log loss on the
  calibration deals; AUC, Brier, log loss, ECE and a reliability diagram on the test deals.
  Below ``SMALL_DATA_THRESHOLD`` closed deals a stage × segment Beta-prior win rate is used
  and labelled as such.
* **Drivers** (``explain``): TreeSHAP contributions (LightGBM ``pred_contrib``) mapped to
  probability points through the calibrator, in plain language; actions from a rule table;
  a deterministic narrative.
* **Risk 0–100** (``risk``): the composite documented there.
* **Time to close** (``timing``): P10/P50/P90 quantile model with a conformal widening.
* **Forecast** (``montecarlo``): seeded, chunked Monte Carlo per period; ``series``: pipeline
  velocity, Holt bookings baseline, new-deal run-rate; ``backtest``: replays past quarters.
"""

from forecasting.engine.backtest import QuarterResult, backtest
from forecasting.engine.explain import DealFacts, actions, drivers, drivers_at, narrative, top_drivers
from forecasting.engine.features import (
    ClosedHistory,
    Examples,
    FeatureMatrix,
    build_features,
    open_examples,
    training_examples,
    vocabulary,
)
from forecasting.engine.metrics import evaluate, expected_calibration_error
from forecasting.engine.montecarlo import PeriodForecast, simulate
from forecasting.engine.risk import risk_band, risk_scores
from forecasting.engine.score import ScoreBatch, score, score_open
from forecasting.engine.series import Velocity, holt_forecast, monthly_bookings, pipeline_velocity, runrate
from forecasting.engine.types import (
    OPEN,
    DealPrediction,
    DealTable,
    Driver,
    Metrics,
    Touches,
    from_day,
    to_day,
)
from forecasting.engine.winmodel import (
    BETA,
    LIGHTGBM,
    SMALL_DATA_THRESHOLD,
    TrainResult,
    WinModel,
    train_win_model,
)

__all__ = [
    "BETA",
    "LIGHTGBM",
    "OPEN",
    "SMALL_DATA_THRESHOLD",
    "ClosedHistory",
    "DealFacts",
    "DealPrediction",
    "DealTable",
    "Driver",
    "Examples",
    "FeatureMatrix",
    "Metrics",
    "PeriodForecast",
    "QuarterResult",
    "ScoreBatch",
    "Touches",
    "TrainResult",
    "Velocity",
    "WinModel",
    "actions",
    "backtest",
    "build_features",
    "drivers",
    "drivers_at",
    "evaluate",
    "expected_calibration_error",
    "from_day",
    "holt_forecast",
    "monthly_bookings",
    "narrative",
    "open_examples",
    "pipeline_velocity",
    "risk_band",
    "risk_scores",
    "runrate",
    "score",
    "score_open",
    "simulate",
    "to_day",
    "top_drivers",
    "train_win_model",
    "training_examples",
    "vocabulary",
]
