"""Deterministic demo data: two organizations with people, catalog, accounts, deals and periods.

`seed_demo()` runs the registered steps for each demo organization. Other apps add steps from
their own `demo.py` module with `register_step(name, func, after=...)`; see `registry`.
"""

from revops.demo.catalog import seed_accounts, seed_catalog
from revops.demo.context import SeedContext
from revops.demo.logins import demo_logins_text
from revops.demo.opportunities import seed_opportunities
from revops.demo.people import seed_partners, seed_people
from revops.demo.periods import close_periods, seed_periods
from revops.demo.registry import DemoStep, OrgSeedResult, demo_steps, register_step, seed_demo

# The core steps, in order. Steps of other apps that write into past months register after
# "periods" (which creates the months open) so they run before "close_periods", which closes
# the older months through the period-close service; steps registered without `after` run
# last, once those months are closed (corrections then land in the first open period).
register_step("people", seed_people)
register_step("partners", seed_partners)
register_step("catalog", seed_catalog)
register_step("accounts", seed_accounts)
register_step("opportunities", seed_opportunities)
register_step("periods", seed_periods)
register_step("close_periods", close_periods)

__all__ = [
    "DemoStep",
    "OrgSeedResult",
    "SeedContext",
    "demo_logins_text",
    "demo_steps",
    "register_step",
    "seed_demo",
]
