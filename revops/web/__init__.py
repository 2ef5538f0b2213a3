"""Server-rendered pages of the core app (dashboard, opportunities, jobs, tokens)."""
