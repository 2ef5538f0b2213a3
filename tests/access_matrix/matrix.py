"""The access matrix: the expected answer of every route to every actor, and its lookup.

A route is found by its full name (`namespace:name`) or, when unnamed, by its route string.
DRF format-suffix twins (`accounts.json`) follow the row of their base route. Admin model
routes follow the rules of `admin_rules`. A route matched by nothing has no expectation,
and the matrix test fails for it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from tests.access_matrix import admin_rules, entries_attribution, entries_core
from tests.access_matrix.expect import Entry
from tests.access_matrix.routes import Route

ENTRIES: dict[str, Entry] = {
    **entries_core.PAGES,
    **entries_core.API,
    **entries_core.AUTH,
    **entries_attribution.PAGES,
    **entries_attribution.API,
    **admin_rules.SITE,
}

ADMIN_PREFIX = "admin:"
# Longest first, so "process_import" is not read as "<model>_process" + "import".
ADMIN_SUFFIXES = sorted(
    {suffix for suffixes in admin_rules.MODELS.values() for suffix in suffixes}, key=len, reverse=True
)
# Django's admin keeps `<model>/<object_id>/` as a redirect to the change page.
ADMIN_OBJECT_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")


def _admin_model_entry(name: str) -> Entry | None:
    for suffix in ADMIN_SUFFIXES:
        model_key = name.removeprefix(ADMIN_PREFIX).removesuffix(f"_{suffix}")
        if not name.endswith(f"_{suffix}") or model_key not in admin_rules.MODELS:
            continue
        statuses = admin_rules.MODELS[model_key].get(suffix)
        if statuses is None:
            return None
        model = model_key.split("_")[-1]
        obj = model if suffix in admin_rules.OBJECT_SUFFIXES else None
        method = "POST" if suffix in admin_rules.POST_SUFFIXES else "GET"
        return Entry(admin_rules.admin_row(*statuses), obj=obj, method=method)
    return None


def _admin_redirect_entry(route: str) -> Entry | None:
    match = ADMIN_OBJECT_REDIRECT.match(route)
    if match is None or f"{match['app']}_{match['model']}" not in admin_rules.MODELS:
        return None
    # Everyone who may enter the admin is redirected to the change page, which decides.
    return Entry(admin_rules.admin_row(302, 302), obj=match["model"])


def entry_for(route: Route) -> Entry | None:
    """The matrix row for `route`, or None when the matrix does not cover it."""
    if route.is_format_variant:
        base = ENTRIES.get(route.name or "")
        return None if base is None else replace(base, kwargs={**base.kwargs, "format": "json"})
    if route.key in ENTRIES:
        return ENTRIES[route.key]
    if route.name is not None and route.name.startswith(ADMIN_PREFIX):
        return _admin_model_entry(route.name)
    if route.name is None:
        return _admin_redirect_entry(route.route)
    return None


def stale_keys(routes: list[Route]) -> list[str]:
    """Matrix entries and admin model rules that no route uses any more."""
    keys = {route.key for route in routes}
    names = {route.name for route in routes if route.name}
    stale = [key for key in ENTRIES if key not in keys]
    stale += [
        model
        for model in admin_rules.MODELS
        if not any(name.startswith(f"{ADMIN_PREFIX}{model}_") for name in names)
    ]
    return stale
