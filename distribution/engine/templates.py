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

ODOO = """\
# Leads in Odoo (crm.lead over XML-RPC): unassigned leads are read, distributed by capacity to
# the salesperson profiles, and their salesperson (user_id) is written back. Set ODOO_PASSWORD
# in the environment (an API key works as the password).
campaign:
  name: {campaign}
lead_finding:
  date_range:
    younger_than_days: 30
  do_not_call:
    exclude: true
  required_fields: [email]
distribution:
  strategy: capacity_based
  seed: 1
  capacity:
    default_capacity: 50
lead_source:
  type: odoo
  url: https://odoo.example.com
  database: production
  username: distribution@example.com
  password: ${{ODOO_PASSWORD}}
  domain: [[type, "=", lead]]
  field_map:
    email: email_from
    company: partner_name
    web_source: source_id
    campaign: campaign_id
    status: stage_id
    tags: tag_ids
  user_map: {{}}
  batch_size: 500
"""

SALESFORCE = """\
# Leads in Salesforce (Lead through the REST API): leads owned by the web-lead queue are read,
# distributed round robin, and their OwnerId is written back in collections of 200. Set
# SALESFORCE_USERNAME, SALESFORCE_PASSWORD and SALESFORCE_SECURITY_TOKEN in the environment.
campaign:
  name: {campaign}
lead_finding:
  date_range:
    younger_than_days: 30
  do_not_call:
    exclude: true
distribution:
  strategy: round_robin
  seed: 1
lead_source:
  type: salesforce
  username: ${{SALESFORCE_USERNAME}}
  password: ${{SALESFORCE_PASSWORD}}
  security_token: ${{SALESFORCE_SECURITY_TOKEN}}
  api_version: "59.0"
  where:
    - {{field: Status, op: in, value: [Open - Not Contacted, Working - Contacted]}}
  unassigned_owners: [00G000000000000AAA]
  owner_map: {{}}
"""

TEMPLATES = {"minimal": MINIMAL, "basic": BASIC, "advanced": ADVANCED, "odoo": ODOO, "salesforce": SALESFORCE}


def render_template(name: str, *, campaign: str = "Default") -> str:
    """A template's YAML text for `campaign` (always a valid document)."""
    if name not in TEMPLATES:
        raise ConfigError("template", f"unknown template {name!r} (choose from {', '.join(TEMPLATES)})")
    safe = campaign.replace('"', "")
    return TEMPLATES[name].format(campaign=f'"{safe}"')
