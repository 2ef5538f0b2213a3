"""The access matrix: the expected answer of every route to every actor, and its lookup.

A route is found by its full name (`namespace:name`) or, when unnamed, by its route string.
A route may hold several requests (one per method it accepts, plus exports, partials or
other objects); each is an `Entry`. DRF format-suffix twins (`accounts.json`) follow the
rows of their base route. Admin model routes follow the rules of `admin_rules`. A route
matched by nothing has no expectation, and the matrix test fails for it; so does a method a
route accepts that no entry of it names (see `test_unclassified_methods_are_refused`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from tests.access_matrix import (
    admin_rules,
    entries_attribution,
    entries_commissions,
    entries_core,
    entries_distribution,
    entries_forecasting,
    entries_marketing,
    entries_partners,
)
from tests.access_matrix.expect import Entry
from tests.access_matrix.routes import Route

FIRST: dict[str, Entry] = {
    **entries_core.PAGES,
    **entries_core.API,
    **entries_core.AUTH,
    **entries_attribution.PAGES,
    **entries_attribution.API,
    **entries_commissions.PAGES,
    **entries_commissions.API,
    **entries_distribution.PAGES,
    **entries_distribution.API,
    **entries_marketing.PAGES,
    **entries_marketing.API,
    **entries_forecasting.PAGES,
    **entries_forecasting.API,
    **entries_partners.PAGES,
    **entries_partners.API,
    **admin_rules.SITE,
}
MORE: dict[str, tuple[Entry, ...]] = {
    **entries_core.MORE,
    **entries_core.AUTH_MORE,
    **entries_attribution.MORE,
    **entries_commissions.MORE,
    **entries_distribution.MORE,
    **entries_marketing.MORE,
    **entries_forecasting.MORE,
    **entries_partners.MORE,
    **admin_rules.SITE_MORE,
}
ENTRIES: dict[str, tuple[Entry, ...]] = {key: (entry, *MORE.get(key, ())) for key, entry in FIRST.items()}

ADMIN_PREFIX = "admin:"
# Longest first, so "process_import" is not read as "<model>_process" + "import".
ADMIN_SUFFIXES = sorted(
    {suffix for suffixes in admin_rules.MODELS.values() for suffix in suffixes}, key=len, reverse=True
)
# Django's admin keeps `<model>/<object_id>/` as a redirect to the change page.
ADMIN_OBJECT_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _admin_model_entries(name: str) -> tuple[Entry, ...]:
    for suffix in ADMIN_SUFFIXES:
        model_key = name.removeprefix(ADMIN_PREFIX).removesuffix(f"_{suffix}")
        if not name.endswith(f"_{suffix}") or model_key not in admin_rules.MODELS:
            continue
        rules = admin_rules.MODELS[model_key]
        if suffix not in rules:
            return ()
        return admin_rules.model_entries(admin_rules.object_key(model_key), suffix, rules)
    return ()


def _admin_redirect_entries(route: str) -> tuple[Entry, ...]:
    match = ADMIN_OBJECT_REDIRECT.match(route)
    model_key = f"{match['app']}_{match['model']}" if match else ""
    if model_key not in admin_rules.MODELS:
        return ()
    return admin_rules.object_redirect_entries(admin_rules.object_key(model_key))


def entries_for(route: Route) -> tuple[Entry, ...]:
    """The matrix rows for `route`; empty when the matrix does not cover it."""
    if route.is_format_variant:
        # The twin renders the same rows in another format: its reads are asked again (what
        # it shows is checked for leaks); its writes are the base route's, asked there (a
        # twin of a write-only route asks its first write).
        base = ENTRIES.get(route.name or "", ())
        reads = tuple(entry for entry in base if entry.method == "GET") or base[:1]
        return tuple(replace(entry, kwargs={**entry.kwargs, "format": "json"}) for entry in reads)
    if route.key in ENTRIES:
        return ENTRIES[route.key]
    if route.name is not None and route.name.startswith(ADMIN_PREFIX):
        return _admin_model_entries(route.name)
    if route.name is None:
        return _admin_redirect_entries(route.route)
    return ()


def methods_for(route: Route) -> set[str]:
    """The methods the matrix classifies for `route` (a format twin: its base route's)."""
    if route.is_format_variant:
        return {entry.method for entry in ENTRIES.get(route.name or "", ())}
    return {entry.method for entry in entries_for(route)}


def stale_keys(routes: list[Route]) -> list[str]:
    """Matrix entries and admin model rules that no route uses any more."""
    keys = {route.key for route in routes}
    names = {route.name for route in routes if route.name}
    stale = [key for key in ENTRIES if key not in keys] + [key for key in MORE if key not in FIRST]
    stale += [
        model
        for model in admin_rules.MODELS
        if not any(name.startswith(f"{ADMIN_PREFIX}{model}_") for name in names)
    ]
    return stale
