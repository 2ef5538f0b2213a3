"""Double submit of a page form: the same form sent twice (a double click, a resent POST) has
one effect.

A form renders `{% form_token %}` (revops_forms): a hidden one-time token. A view decorated with
`@submit_once` claims the token before it runs, by inserting it under a unique constraint (the
`IdempotencyKey` table the API's `Idempotency-Key` uses, scoped to the signed-in user), committed
at once; of two submits racing, exactly one inserts it. The second one:

* after the first finished with a redirect → the same redirect, with the message "already
  submitted"; with a page or an HTMX fragment (2xx) → the same answer again;
* while the first is still running → 409 "already submitted, still being processed";
* with the token of another form (another path) → 400.

A first submit that did not succeed (a form error, 4xx, 5xx) releases its token, so the
corrected form can be sent again. A POST without a token runs as before. Kept rows: for a
redirect the `body` holds the Location; they expire with the API's keys (24 hours).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from revops.models import IdempotencyKey

FIELD = "form_token"
ALREADY_SUBMITTED = "This form was already submitted; here is its result."
STILL_RUNNING = "This form was already submitted and is still being processed; wait a moment and reload."
OTHER_FORM = "This form token belongs to another form; reload the page."


def new_form_token() -> str:
    """A fresh one-time token for a form (URL-safe, 32 characters)."""
    return secrets.token_urlsafe(24)


def _valid(token: str) -> bool:
    return 16 <= len(token) <= 64 and all(ch.isalnum() or ch in "-_" for ch in token)


def _scope(request: HttpRequest) -> str:
    return hashlib.sha256(f"form:user:{request.user.pk}".encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    return hashlib.sha256(f"form\n{request.path}".encode()).hexdigest()


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _repeat(request: HttpRequest, scope: str, token: str) -> HttpResponse:
    """The answer to a submit whose token was claimed already."""
    record = IdempotencyKey.objects.filter(scope=scope, key=token).first()
    if record is None or record.status_code is None:  # released just now, or still running
        return _text(409, STILL_RUNNING)
    if record.fingerprint != _fingerprint(request):
        return _text(400, OTHER_FORM)
    if 300 <= record.status_code < 400:
        messages.info(request, ALREADY_SUBMITTED)
        return HttpResponseRedirect(bytes(record.body).decode())
    return HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)


def _remember(record: IdempotencyKey, response: HttpResponse) -> None:
    status = response.status_code
    if 300 <= status < 400 and response.get("Location"):
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=status, content_type="", body=response["Location"].encode()
        )
    elif 200 <= status < 300 and not getattr(response, "streaming", False):
        IdempotencyKey.objects.filter(pk=record.pk).update(
            status_code=status,
            content_type=response.get("Content-Type", "")[:100],
            body=bytes(response.content),
        )
    else:  # not a success: the user corrects the form and sends it again
        IdempotencyKey.objects.filter(pk=record.pk).delete()


def submit_once(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run a POST carrying a form token at most once per token (see the module docstring)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = request.POST.get(FIELD) if request.method == "POST" else None
        if not token or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if not _valid(token):
            return _text(400, OTHER_FORM)
        scope = _scope(request)
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope,
                    key=token,
                    fingerprint=_fingerprint(request),
                    method="POST",
                    path=request.path[:500],
                )
        except IntegrityError:
            return _repeat(request, scope, token)
        try:
            response = view(request, *args, **kwargs)
        except BaseException:
            IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        _remember(record, response)
        return response

    return wrapped
