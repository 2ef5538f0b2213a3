"""Partner program: portal, deal registration, approvals, disputes, partner analytics."""
