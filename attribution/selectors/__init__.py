"""Reads of partner attribution, one module per subdomain (deal, ledger, performance, periods,
rules, splits, explanations, visible), shared by pages, API, admin, reports and commands.

Every function takes the member or the organization explicitly and goes through the org- and
role-scoped querysets; query counts do not grow with the number of rows.
"""
