"""HTMX helpers: one view answers with the full page or, for HTMX requests, the fragment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def htmx_partial(request: HttpRequest) -> bool:
    """True when the request wants a fragment (an HTMX request that is not a boosted link)."""
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render_page_or_partial(
    request: HttpRequest, page: str, partial: str, context: dict, status: int = 200
) -> HttpResponse:
    """Render `partial` for HTMX requests, `page` (which includes the partial) otherwise."""
    template = partial if htmx_partial(request) else page
    response = render(request, template, context, status=status)
    response["Vary"] = "HX-Request"
    return response
