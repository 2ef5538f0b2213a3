"""Plain, immutable inputs and outputs of the distribution engine (no ORM, no Django)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import NamedTuple


class Strategy(StrEnum):
    LEVEL_BASED = "level_based"
    ROUND_ROBIN = "round_robin"
    PROPORTIONAL = "proportional"
    CAPACITY_BASED = "capacity_based"
    PERFORMANCE_WEIGHTED = "performance_weighted"


class CatchUp(StrEnum):
    """What a rep back from out-of-office gets for the leads they missed."""

    NONE = "none"  # nothing: the debt is forgotten
    GRADUAL = "gradual"  # a fraction (`catch_up_rate`) of the debt per run
    FULL = "full"  # the whole debt in the first run back


@dataclass(frozen=True, slots=True)
class LeadFacts:
    """One lead as the engine sees it.

    `present_fields` names the optional fields that hold a value (email, phone, company, ...).
    `account_owner_id` is the owner of the account the lead's company matched (resolved by the
    caller with the core's account matching), `duplicate_owner_id` the owner of an earlier
    lead of the same person or company.
    """

    id: int
    created_on: date
    web_source: str = ""
    campaign: str = ""
    status: str = ""
    tags: frozenset[str] = frozenset()
    do_not_call: bool = False
    priority: int = 0
    score: float = 0.0
    segment: str = ""
    present_fields: frozenset[str] = frozenset()
    owner_id: int | None = None
    account_owner_id: int | None = None
    duplicate_owner_id: int | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class OutOfOffice:
    start: date
    end: date  # inclusive

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class RepFacts:
    """One salesperson for one run.

    `current_load` is the number of open leads they own before the run. `target_leads` and
    `capacity` are per run (None: the level's target / no cap). `working_days` are ISO
    weekdays (1 = Monday). `catch_up_owed` is the leads they missed while out of office
    (carried between runs in the round-robin state). `conversions` maps a similarity key
    (campaign, web source or segment value, as ``"campaign=Spring"``) or ``"*"`` (overall) to
    (converted, total) counts of their past leads.
    """

    id: int
    name: str
    level: str = ""
    team: str = ""
    active: bool = True
    campaign: str = ""
    target_leads: int | None = None
    capacity: int | None = None
    current_load: int = 0
    working_days: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    out_of_office: tuple[OutOfOffice, ...] = ()
    catch_up_owed: int = 0
    conversions: Mapping[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunState:
    """What one run hands to the next: the round-robin position and catch-up debts."""

    last_rep_id: int | None = None
    catch_up_owed: Mapping[int, int] = field(default_factory=dict)


class Candidate(NamedTuple):
    rep_id: int
    value: float  # what the strategy compared (assigned so far, gap, weight, ...)


class Explanation(NamedTuple):
    """Why one lead went to one rep.

    Candidate, Explanation and Assignment are built once per assigned lead in the strategies'
    inner loops: named tuples (immutable, a third of a frozen dataclass's construction cost).

    `filters_passed` the lead filters it passed; `eligible` how many reps could take it and
    `runners_up` the best of the others with their compared value; `ineligible` maps a reason
    to the rep ids it excluded (one shared mapping per run, plus "at capacity" as of then);
    `reason` says in words why this rep; `seed` the tie-break seed.
    """

    strategy: str
    reason: str
    filters_passed: tuple[str, ...]
    eligible: int
    runners_up: tuple[Candidate, ...]
    ineligible: Mapping[str, tuple[int, ...]]
    seed: int

    def as_dict(self) -> dict:
        return {
            "strategy": self.strategy,
            "reason": self.reason,
            "filters_passed": list(self.filters_passed),
            "eligible": self.eligible,
            "runners_up": [{"rep_id": c.rep_id, "value": round(c.value, 4)} for c in self.runners_up],
            "ineligible": {k: list(v) for k, v in self.ineligible.items()},
            "seed": self.seed,
        }


class Assignment(NamedTuple):
    lead_id: int
    rep_id: int
    strategy: str
    explanation: Explanation


class Exclusion(NamedTuple):
    """A lead a filter kept out: `reason` is the filter's name, `detail` the value that failed."""

    lead_id: int
    reason: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class RepSummary:
    rep_id: int
    name: str
    before: int
    assigned: int
    target: int | None
    capacity: int | None

    @property
    def after(self) -> int:
        return self.before + self.assigned


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole run's outcome, before anything is written.

    `assignments` in lead priority order; `excluded` the leads a filter kept out;
    `unassigned` the leads that passed every filter but found no eligible rep (the
    "no eligible rep" queue); `reps` before/after per rep; `state` for the next run.
    """

    assignments: tuple[Assignment, ...]
    excluded: tuple[Exclusion, ...]
    unassigned: tuple[int, ...]
    reps: tuple[RepSummary, ...]
    ineligible_reps: Mapping[str, tuple[int, ...]]
    state: RunState
    seed: int
    strategies: tuple[str, ...]

    def counts(self) -> dict[str, int]:
        return {
            "assigned": len(self.assignments),
            "excluded": len(self.excluded),
            "unassigned": len(self.unassigned),
        }
