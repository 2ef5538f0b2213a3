"""The same 30 leads for revops, the fake Odoo and the fake Salesforce, with a config that filters them.

Leads differ in age (the date range keeps 21), web source (one of three is filtered out),
do-not-call status or flag, tags (an excluded tag), a missing e-mail and priority, so every
filter the engine applies has something to do.
"""

import datetime as dt

from tests.distribution.conftest import TODAY
from tests.distribution.factories import LeadFactory

FILTERS = """\
campaign: {name: Daily}
lead_finding:
  date_range: {younger_than_days: 20}
  web_sources: {values: [google, referral], match: exact}
  do_not_call: {exclude: true, statuses: [Do Not Call]}
  tags: {exclude: [competitor]}
  required_fields: [email]
distribution: {strategy: round_robin, seed: 3}
"""


def cases(n: int = 30) -> list[dict]:
    out = []
    for i in range(n):
        tags = ["vip"] if i % 4 == 0 else []
        if i % 9 == 4:
            tags.append("competitor")
        out.append(
            {
                "name": f"Person {i:02d}",
                "email": "" if i % 10 == 7 else f"p{i}@prospect.example",
                "phone": f"+1 555 01{i:02d}",
                "company": f"Co {i}",
                "web_source": ["Google", "Referral", "Spam Farm"][i % 3],
                "status": "Do Not Call" if i % 7 == 3 else "New",
                "do_not_call": i % 11 == 5,
                "tags": tags,
                "priority": i % 4,
                "received_at": dt.datetime.combine(TODAY - dt.timedelta(days=i), dt.time(10), tzinfo=dt.UTC),
            }
        )
    return out


def local_leads(org, rows: list[dict]) -> None:
    for row in rows:
        LeadFactory(organization=org, **row)


def plan_by_name(prepared) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """(lead name → rep id, exclusion reason → count, unassigned names) of a planned run."""
    names = {lead.id: lead.name for lead in prepared.leads}
    plan = prepared.plan
    excluded: dict[str, int] = {}
    for e in plan.excluded:
        excluded[e.reason] = excluded.get(e.reason, 0) + 1
    return (
        {names[a.lead_id]: a.rep_id for a in plan.assignments},
        excluded,
        sorted(names[i] for i in plan.unassigned),
    )
