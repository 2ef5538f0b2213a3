"""Typed model parameters stored as JSON on ModelConfig.params (pydantic), and their engine spec."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from attribution.marketing.engine import ModelKind, ModelSpec, ShapleyValue


class ModelParams(BaseModel):
    """What each model may be tuned with; unknown keys are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    half_life_days: float = Field(default=7.0, gt=0)
    position_weights: tuple[float, float, float] = (0.4, 0.2, 0.4)
    w_weights: tuple[float, float, float, float] = (0.3, 0.3, 0.3, 0.1)
    stage_weights: tuple[float, ...] = (0.3, 0.3, 0.3, 0.1)
    order: int = Field(default=1, ge=0, le=6)
    max_order: int = Field(default=4, ge=1, le=6)
    shapley_value: ShapleyValue = ShapleyValue.CONVERSIONS
    max_exact_channels: int = Field(default=15, ge=1, le=24)
    samples: int = Field(default=2000, ge=10, le=100_000)
    seed: int = 0

    @field_validator("position_weights", "w_weights", "stage_weights")
    @classmethod
    def _non_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(w < 0 for w in value) or sum(value) <= 0:
            raise ValueError("weights must be ≥ 0 and not all zero")
        return value

    @classmethod
    def load(cls, data: dict | None) -> ModelParams:
        return cls.model_validate(data or {})

    def spec(self, model: str) -> ModelSpec:
        return ModelSpec(
            kind=ModelKind(model),
            half_life_days=self.half_life_days,
            position_weights=self.position_weights,
            w_weights=self.w_weights,
            stage_weights=self.stage_weights,
            order=self.order,
            max_order=self.max_order,
            shapley_value=self.shapley_value,
            max_exact_channels=self.max_exact_channels,
            samples=self.samples,
            seed=self.seed,
        )
