"""Deterministic demo data: two organizations with people, catalog, accounts, deals and periods.

`seed_demo()` runs the registered steps for each demo organization. Other apps add steps from
their own `demo.py` module with `register_step(name, func, phase=..., requires=...)` (see
`registry`) and words for them with `register_vocabulary` (see `vocabulary`).
"""

from revops.demo.catalog import seed_accounts, seed_catalog
from revops.demo.context import SeedContext
from revops.demo.logins import demo_logins_text
from revops.demo.opportunities import seed_opportunities
from revops.demo.people import seed_partners, seed_people
from revops.demo.periods import close_periods, seed_periods
from revops.demo.registry import (
    DemoStep,
    OrgSeedResult,
    Phase,
    demo_steps,
    register_month_end,
    register_step,
    seed_demo,
)
from revops.demo.vocabulary import demo_words, register_vocabulary

# The core steps. Steps of other apps that write history into past months go in OPEN_BOOKS
# requiring "periods" (which creates the months open), so they run before "close_periods";
# ledger postings of a past month go in a month-end task (`register_month_end`), which
# "close_periods" runs just before closing that month; postings of the open months and
# corrections after the close go in CLOSED_BOOKS and land in the open periods.
register_step("people", seed_people, phase=Phase.SETUP)
register_step("partners", seed_partners, phase=Phase.SETUP)
register_step("catalog", seed_catalog, phase=Phase.SETUP)
register_step("accounts", seed_accounts, phase=Phase.SETUP, requires=("people",))
register_step("opportunities", seed_opportunities, phase=Phase.PIPELINE, requires=("accounts", "catalog"))
register_step("periods", seed_periods, phase=Phase.OPEN_BOOKS)
register_step("close_periods", close_periods, phase=Phase.CLOSING, requires=("periods",))

__all__ = [
    "DemoStep",
    "OrgSeedResult",
    "Phase",
    "SeedContext",
    "demo_logins_text",
    "demo_steps",
    "demo_words",
    "register_month_end",
    "register_step",
    "register_vocabulary",
    "seed_demo",
]
