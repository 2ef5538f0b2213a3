"""Server-rendered partner-attribution pages (HTMX partials for filters and forms)."""
