"""Response headers every answer carries: CSP, Permissions-Policy, Cache-Control.

Django's SecurityMiddleware already sends X-Content-Type-Options (nosniff), the
Referrer-Policy and, in production, HSTS; XFrameOptionsMiddleware sends X-Frame-Options: DENY.
This middleware adds:

- `Content-Security-Policy`: scripts only from our own origin (no inline script, no eval:
  charts travel as data and `static/js/charts.js` draws them; htmx and plotly.js are served
  from static), no plugins (`object-src 'none'`), no `<base>` (`base-uri 'none'`), never
  framed (`frame-ancestors 'none'`), forms post only to us. Inline styles stay allowed:
  plotly.js and htmx style the elements they draw.
- `Permissions-Policy`: no camera, microphone, geolocation, payment, USB or sensors.
- `Cache-Control: no-store` on everything but the fingerprinted static files: pages, API
  answers and exports hold an organization's data and must not stay in a shared or browser
  cache (the back button after sign-out shows nothing).
"""

from __future__ import annotations

from django.conf import settings

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = (
            settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not request.path.startswith(self.static_prefix):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
