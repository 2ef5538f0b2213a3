"""`Idempotency-Key` for API writes: a retried request has one effect and gets the same answer.

A client sends `Idempotency-Key: <1–255 printable characters>` with a POST, PUT, PATCH or
DELETE under `/api/`. The first request with a key records it (committed before the view runs)
and then its answer; for the next 24 hours a request with the same key from the same caller:

* the same request (method, path with query, body) → the recorded answer again, with
  `Idempotent-Replayed: true`, and nothing runs;
* a different request → 422, nothing runs;
* while the first is still running → 409 with `Retry-After: 1`, nothing runs.

Keys belong to the caller's credential (a digest of its `Authorization` header, or its signed-in
user for session clients), so callers never see each other's answers. Answers kept: 2xx and the
client errors that a retry would only repeat (400, 404, 409, 422); any other answer (401, 403,
429, 5xx, or a streamed download) releases the key so the request may be retried. A request body
larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` or sent as multipart is fingerprinted by its content
type and length instead of its bytes. Without the header nothing changes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from revops.models import IdempotencyKey

HEADER = "Idempotency-Key"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
KEPT_STATUSES = frozenset({400, 404, 409, 422})
KEEP_FOR = dt.timedelta(hours=24)


def _json(status: int, detail: str, **headers: str) -> HttpResponse:
    response = HttpResponse(json.dumps({"detail": detail}), status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response


def _scope(request: HttpRequest) -> str | None:
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        return hashlib.sha256(f"authorization:{authorization}".encode()).hexdigest()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return hashlib.sha256(f"user:{user.pk}".encode()).hexdigest()
    return None


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256(f"{request.method}\n{request.get_full_path()}\n".encode())
    content_type = request.META.get("CONTENT_TYPE", "")
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if content_type.startswith("multipart/") or (limit is not None and length > limit):
        digest.update(f"{content_type}\n{length}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _valid(key: str) -> bool:
    return 0 < len(key) <= 255 and all(" " <= ch <= "~" for ch in key)


class IdempotencyMiddleware:
    """Applies `Idempotency-Key` to API writes (see the module docstring)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        if not _valid(key):
            return _json(400, f"{HEADER} must be 1 to 255 printable ASCII characters.")
        scope = _scope(request)
        if scope is None:  # not signed in: authentication refuses it, nothing to remember
            return self.get_response(request)
        fingerprint = _fingerprint(request)
        IdempotencyKey.objects.filter(created_at__lt=timezone.now() - KEEP_FOR).delete()
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    fingerprint=fingerprint,
                    method=request.method,
                    path=request.path[:500],
                )
        except IntegrityError:
            return self._seen(scope, key, fingerprint)
        try:
            response = self.get_response(request)
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        if (200 <= response.status_code < 300 or response.status_code in KEPT_STATUSES) and not getattr(
            response, "streaming", False
        ):
            IdempotencyKey.objects.filter(pk=record.pk).update(
                status_code=response.status_code,
                content_type=response.get("Content-Type", "")[:100],
                body=bytes(response.content),
            )
        else:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
        return response

    def _seen(self, scope: str, key: str, fingerprint: str) -> HttpResponse:
        record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if record is None:  # released between the two statements: the caller may retry at once
            return _json(
                409, f"A request with this {HEADER} is being processed; retry.", **{"Retry-After": "1"}
            )
        if record.fingerprint != fingerprint:
            return _json(422, f"This {HEADER} was already used for a different request.")
        if record.status_code is None:
            return _json(
                409, f"A request with this {HEADER} is still being processed.", **{"Retry-After": "1"}
            )
        response = HttpResponse(
            bytes(record.body), status=record.status_code, content_type=record.content_type
        )
        response["Idempotent-Replayed"] = "true"
        return response
