"""Pure lead-distribution engine: plain Python, no ORM, no request.

Call::

    plan = distribute(leads, reps, doc, today=..., state=RunState(...))

with `LeadFacts` and `RepFacts` (frozen dataclasses in `types.py`) and a validated
`DistributionConfigDoc` (`config.py`: `load_text`, `load_file`; every error names the path of
the bad key). It returns a `Plan`: assignments in lead priority order, each with an
`Explanation` (filters passed, how many reps were eligible, the runners-up and the value
compared, why the others were ineligible, why this rep, the seed); the leads each filter
excluded; the "no eligible rep" queue; before/after per rep; the state for the next run.

Semantics:

1. Filters (`filters.py`) keep the leads to distribute and order them by `priority_order`
   (ties by lead id), cut at `max_leads`. `campaign.target_campaign` is the campaign filter
   when `lead_finding.campaigns` is empty; an inactive `campaign` distributes nothing.
2. A rep is eligible when active, today is one of their working days, they are not out of
   office today and their current load is under their capacity (theirs, else
   `capacity.default_capacity`, else none). Capacity is a hard cap for every strategy: no
   rep ever ends a run above it.
3. Ties between reps are broken by a rank drawn from `random.Random(seed)` over the eligible
   rep ids: the same seed and inputs give the same plan.
4. With `routing.duplicate_owner` / `routing.account_owner`, a lead whose earlier lead or
   matching account has an eligible owner with room goes to that owner first.
5. The remaining leads go through the strategy chain; what one strategy cannot place (no
   eligible rep under its rules) passes to the next; what the last cannot place is unassigned.
   - `level_based`: levels by ascending `priority`; the first level with a rep under target
     (the rep's own target, else the level's) takes the lead; inside a level, the rep with the
     fewest leads this run. Leads beyond every target pass on.
   - `round_robin`: eligible reps by id, starting after the rep who got the last lead of the
     previous run (`RunState.last_rep_id`), skipping reps at capacity.
   - `proportional`: gap = target − current load (capped by room); n = min(leads, total gap)
     leads are shared in proportion to the gaps (largest remainder, ties by rank), so when
     there are enough leads every gap closes exactly. Leads beyond the total gap pass on.
   - `capacity_based`: each lead to the rep with the fewest leads this run net of their
     catch-up allowance (then lowest load, then rank), never above capacity. Reps out of office
     today accrue the run's even share as debt (`RunState.catch_up_owed`); back at work they
     are allowed `none` (debt dropped), `gradual` (ceil(debt × catch_up_rate) per run) or
     `full` (the whole debt) extra leads.
   - `performance_weighted`: `round(exploration × n)` leads (drawn with the seed) go in even
     turns; the rest are grouped by the similarity fields (campaign, web source, segment) and
     shared in proportion to each rep's conversion on those leads shrunk toward the team rate:
     (converted + k × team_rate) / (total + k), k = `prior_strength` (Webster apportionment,
     best-weighted reps take the group's first leads). Then every rep is lifted to the fairness
     floor ⌊fairness_floor × n⌋ (at most n ÷ reps) with the lowest-priority leads of the rep
     holding most.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from distribution.engine.config import ConfigError, DistributionConfigDoc, dump, load_file, load_text
from distribution.engine.filters import FILTER_NAMES, filter_leads, source_matcher
from distribution.engine.strategies import plan
from distribution.engine.templates import TEMPLATES, render_template
from distribution.engine.types import (
    Assignment,
    Candidate,
    CatchUp,
    Exclusion,
    Explanation,
    LeadFacts,
    OutOfOffice,
    Plan,
    RepFacts,
    RepSummary,
    RunState,
    Strategy,
)


def distribute(*args, **kwargs) -> Plan:
    """Filter, order and assign in one call (`start`/`end` override the date range).

    The cyclic garbage collector is paused meanwhile: a plan allocates a few objects per lead
    and creates no reference cycles, and at 100,000 leads the collector's repeated passes over
    every live object cost more than the plan itself.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _distribute(*args, **kwargs)
    finally:
        if was_enabled:
            gc.enable()


def _distribute(
    leads: Sequence[LeadFacts],
    reps: Sequence[RepFacts],
    doc: DistributionConfigDoc,
    *,
    today: date,
    state: RunState | None = None,
    web_sources: Sequence[str] | None = None,
    max_leads: int | None = None,
    force_round_robin: bool = False,
    start: date | None = None,
    end: date | None = None,
) -> Plan:
    finding = doc.lead_finding
    if not finding.campaigns and doc.campaign.target_campaign:
        finding = finding.model_copy(update={"campaigns": [doc.campaign.target_campaign]})
    if not doc.campaign.active:
        # An inactive campaign distributes nothing: every lead is left where it is.
        empty = plan((), reps, doc.distribution, today=today, state=state)
        return replace(empty, excluded=tuple(Exclusion(lead.id, "campaign_inactive") for lead in leads))
    if start or end:
        dr = finding.date_range.model_copy(
            update={"start": start, "end": end, "older_than_days": None, "younger_than_days": None}
        )
        finding = finding.model_copy(update={"date_range": dr})
    kept, excluded, applied = filter_leads(
        leads, finding, today=today, web_sources=web_sources, max_leads=max_leads
    )
    chain = (Strategy.ROUND_ROBIN,) if force_round_robin else None
    result = plan(kept, reps, doc.distribution, today=today, state=state, filters_passed=applied, chain=chain)
    return replace(result, excluded=tuple(excluded))


__all__ = [
    "FILTER_NAMES",
    "TEMPLATES",
    "Assignment",
    "Candidate",
    "CatchUp",
    "ConfigError",
    "DistributionConfigDoc",
    "Exclusion",
    "Explanation",
    "LeadFacts",
    "OutOfOffice",
    "Plan",
    "RepFacts",
    "RepSummary",
    "RunState",
    "Strategy",
    "distribute",
    "dump",
    "filter_leads",
    "load_file",
    "load_text",
    "plan",
    "render_template",
    "source_matcher",
]
