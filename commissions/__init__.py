"""Sales commissions: harmonised sales data, plans, tiers, objectives, statements."""
