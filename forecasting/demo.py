"""Demo forecasting (found by revops.demo's autodiscovery): train, score and snapshot.

`forecasting` (CLOSED_BOOKS, after the deals): trains each demo organization's win model on
its closed deals, scores the open deals as of the demo's today and stores a forecast snapshot.
The demo trains the small-data stage × segment model (labelled as such on every page): the
LightGBM model, its TreeSHAP drivers and the full snapshot took about 10 s per organization
on the shared machine, against about 2 s this way (docs/forecasting.md). `manage.py
train_win_model --org acme` trains the LightGBM model on the demo data afterwards.
"""

from forecasting.selectors.dataset import dataset_load
from forecasting.services.forecast import snapshot_take
from forecasting.services.modelling import deals_score, win_model_train
from revops.demo import Phase, register_step
from revops.demo.context import SeedContext

DEMO_SIMS = 2_000  # enough for the demo's fan chart; the weekly snapshot runs 10,000
DEMO_TEAM_SIMS = 500


def seed_forecasting(ctx: SeedContext) -> dict[str, int]:
    # One read of the deals for the three steps (scores written by the second are not read by
    # the third, which takes the probabilities from the score rows).
    data = dataset_load(ctx.organization)
    outcome = win_model_train(organization=ctx.organization, small_data=True, data=data)
    scored = deals_score(organization=ctx.organization, as_of=ctx.today, data=data)
    snapshot_take(
        organization=ctx.organization, as_of=ctx.today, sims=DEMO_SIMS, team_sims=DEMO_TEAM_SIMS, data=data
    )
    return {
        "model_versions": 1,
        "deal_scores": scored["scored"],
        "snapshots": 1,
        "lightgbm": int(outcome.version.kind == "lightgbm"),
    }


register_step("forecasting", seed_forecasting, phase=Phase.CLOSED_BOOKS, requires=("opportunities",))
