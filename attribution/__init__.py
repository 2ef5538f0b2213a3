"""Partner attribution (links, split rules, ledger) and multi-touch marketing attribution."""
