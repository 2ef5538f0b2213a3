"""The security headers every dynamic response carries, and a check that names what is missing.

Used by the access matrix (tests/test_access_matrix.py), which asks every route the URL
resolver knows, with every method, as every actor: a new app's routes are checked as soon as
they exist. Static files are served by whitenoise with their own cache headers.
"""

from __future__ import annotations

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
CSP_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()")


def missing_security_headers(response) -> list[str]:
    """What is wrong with `response`'s security headers (empty when all is well)."""
    problems = [
        f"{name}: {response.get(name)!r} (expected {value!r})"
        for name, value in EXPECTED.items()
        if response.get(name) != value
    ]
    csp = response.get("Content-Security-Policy", "")
    directives = [d.strip() for d in csp.split(";")]
    problems += [f"CSP lacks {d!r}" for d in CSP_DIRECTIVES if d not in directives]
    script_src = next((d for d in directives if d.startswith("script-src")), "")
    if "unsafe-inline" in script_src or "unsafe-eval" in script_src:
        problems.append(f"CSP allows inline or eval scripts: {script_src!r}")
    policy = response.get("Permissions-Policy", "")
    problems += [f"Permissions-Policy lacks {p}" for p in PERMISSIONS if p not in policy]
    if response.get("Server"):
        problems.append(f"Server: {response.get('Server')!r}")
    return problems
