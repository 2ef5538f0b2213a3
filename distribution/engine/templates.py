"""The starting documents `dailydist --generate-config --template` writes."""

from __future__ import annotations

from distribution.engine.config import ConfigError

MINIMAL = """\
# Minimal daily distribution: every unassigned lead, round robin over the salesperson profiles.
campaign:
  name: {campaign}
distribution:
  strategy: round_robin
"""

BASIC = """\
# Basic daily distribution: yesterday's and older leads of the last 30 days, do-not-call left
# out, evenly by capacity.
campaign:
  name: {campaign}
  target_campaign: {campaign}
  active: true
salesperson_selection:
  source: database
  campaigns: [{campaign}]
lead_finding:
  date_range:
    older_than_days: 0
    younger_than_days: 30
    exclude_weekends: false
  do_not_call:
    exclude: true
    statuses: ["Do Not Call", "DNC"]
  required_fields: [email]
  max_leads: 500
distribution:
  strategy: capacity_based
  seed: 1
  capacity:
    default_capacity: 50
    catch_up: gradual
    catch_up_rate: 0.5
execution:
  log_level: INFO
"""

ADVANCED = """\
# Advanced daily distribution: filtered web sources and tags, account owners first, then level
# targets, capacity caps and round robin for what is left.
campaign:
  name: {campaign}
  target_campaign: {campaign}
  active: true
salesperson_selection:
  source: database
  campaigns: [{campaign}]
  excluded: []
lead_finding:
  date_range:
    older_than_days: 1
    younger_than_days: 60
    exclude_weekends: true
    holidays: []
  web_sources:
    values: ["google", "organic", "referral", "^direct"]
    case_sensitive: false
    match: regex
  statuses: ["New", "Open", "Recycled"]
  do_not_call:
    exclude: true
    statuses: ["Do Not Call", "DNC", "Unsubscribed"]
  tags:
    include: []
    exclude: ["spam", "competitor"]
  required_fields: [email, phone]
  priority_order:
    - field: priority
      direction: desc
    - field: score
      direction: desc
    - field: created_on
      direction: asc
  max_leads: 2000
distribution:
  strategy: [level_based, capacity_based, round_robin]
  seed: 7
  levels:
    senior: {{target_leads: 30, priority: 1}}
    mid: {{target_leads: 20, priority: 2}}
    junior: {{target_leads: 10, priority: 3}}
  capacity:
    default_capacity: 120
    catch_up: gradual
    catch_up_rate: 0.5
  performance:
    similarity: [campaign, web_source]
    prior_strength: 20
    fairness_floor: 0.05
    exploration: 0.1
  routing:
    account_owner: true
    duplicate_owner: true
tracking:
  record_explanations: true
  report_format: html
execution:
  log_level: INFO
"""

TEMPLATES = {"minimal": MINIMAL, "basic": BASIC, "advanced": ADVANCED}


def render_template(name: str, *, campaign: str = "Default") -> str:
    """A template's YAML text for `campaign` (always a valid document)."""
    if name not in TEMPLATES:
        raise ConfigError("template", f"unknown template {name!r} (choose from {', '.join(TEMPLATES)})")
    safe = campaign.replace('"', "")
    return TEMPLATES[name].format(campaign=f'"{safe}"')
