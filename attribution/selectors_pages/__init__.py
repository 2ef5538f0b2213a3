"""Reads for the partner-attribution pages (deal drilldown, ledger, dashboards, periods, rules).

Every function takes the member and goes through the org- and role-scoped querysets;
query counts do not grow with the number of rows.
"""
