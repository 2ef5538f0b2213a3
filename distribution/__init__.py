"""Daily lead distribution: config-driven assignment strategies, dry runs, history."""
