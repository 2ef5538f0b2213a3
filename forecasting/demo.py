"""Demo forecasting (found by revops.demo's autodiscovery): train, score and snapshot.

`forecasting` (CLOSED_BOOKS, after the deals): trains each demo organization's win model on
its closed deals (the demo books are small, so this is usually the small-data stage × segment
model, labelled as such), scores the open deals as of the demo's today and stores a forecast
snapshot. Measured to add a few seconds to `seed_demo` (docs/forecasting.md).
"""

from forecasting.services.forecast import snapshot_take
from forecasting.services.modelling import deals_score, win_model_train
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext

DEMO_SIMS = 2_000  # enough for the demo's fan chart; the weekly snapshot runs 10,000


def seed_forecasting(ctx: SeedContext) -> dict[str, int]:
    outcome = win_model_train(organization=ctx.organization)
    scored = deals_score(organization=ctx.organization, as_of=ctx.today)
    snapshot_take(organization=ctx.organization, as_of=ctx.today, sims=DEMO_SIMS)
    return {
        "model_versions": 1,
        "deal_scores": scored["scored"],
        "snapshots": 1,
        "lightgbm": int(outcome.version.kind == "lightgbm"),
    }


register_step("forecasting", seed_forecasting, phase=Phase.CLOSED_BOOKS, requires=("opportunities",))
