"""API rate limits for token clients (integrations), per token, with `Retry-After`.

Two DRF scopes, rates from the environment (`REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`):
`token` counts every request of one token, `token_write` its writes (POST, PUT, PATCH,
DELETE). Over a limit the answer is 429 with `Retry-After: <seconds>` (DRF's Throttled).
Counts live in the default cache, which production requires to be shared (Redis), so the
limit holds across workers. Browser sessions are not counted here (sign-in has its own
lockout and allauth's rate limits).
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from revops.models import ApiToken

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None  # not a token client: not throttled here
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class TokenWriteRateThrottle(TokenRateThrottle):
    scope = "token_write"

    def get_cache_key(self, request, view):
        if request.method in SAFE_METHODS:
            return None
        return super().get_cache_key(request, view)
