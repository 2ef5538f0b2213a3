"""Matrix rows for partner attribution: pages under /attribution/, API under /api/v1/attribution/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). Every role but partner
may view attribution; managers also change splits; only admins edit rules and settings (the
settings page, with its preview of every deal's credit, is for them alone); admins and finance
close periods. POSTs carry an invalid or no-op body: nothing changes.
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

TOO_LONG_KEY = {"idempotency_key": "k" * 81}  # refused by the serializer: nothing is queued

PAGES: dict[str, Entry] = {
    "attribution:deal": Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity"),
    # No partner, no reason: the form is refused (400) and no split changes.
    "attribution:deal-split": Entry(
        (LOGIN, 400, 400, 403, 403, 404, 404, 403, 404, 404), obj="opportunity", method="POST"
    ),
    "attribution:ledger": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution:partners": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution:periods": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    # Closing a closed period is a no-op; reopening without a reason is refused. Both
    # redirect back to the periods page.
    "attribution:period-close": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 404, 403, 403, 404), obj="closed_period", method="POST"
    ),
    "attribution:period-reopen": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 404, 403, 403, 404), obj="closed_period", method="POST"
    ),
    "attribution:rules": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution:rule-new": Entry((LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404)),
    "attribution:rule-parse": Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),
    "attribution:rule-edit": Entry(
        (LOGIN, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="attributionrule"
    ),
    "attribution:rule-export": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution:rule-import": Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),
    "attribution:rule-import-confirm": Entry(
        (LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"
    ),
    "attribution:settings": Entry((LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404)),
    # An empty form is refused (400): nothing is previewed or saved.
    "attribution:settings-preview": Entry(
        (LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"
    ),
}

API: dict[str, Entry] = {
    "attribution-api:recompute": Entry(
        (401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST", data=TOO_LONG_KEY
    ),
    "attribution-api:opportunity-explanations": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity"
    ),
    "attribution-api:settings": Entry((401, 200, 403, 403, 403, 404, 200, 403, 403, 404)),
    "attribution-api:opportunity-partner-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:opportunity-partner-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunitypartner"
    ),
    "attribution-api:account-partner-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:account-partner-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="accountpartner"
    ),
    "attribution-api:rule-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:rule-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="attributionrule"
    ),
    "attribution-api:rule-versions": Entry(
        (401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="attributionrule"
    ),
    "attribution-api:rule-export": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    # An empty upload is refused (400); only rule editors get that far.
    "attribution-api:rule-import-rules": Entry(
        (401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"
    ),
    "attribution-api:revenue-event-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:revenue-event-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="revenueevent"
    ),
    "attribution-api:ledger-entry-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:ledger-entry-totals": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "attribution-api:ledger-entry-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="attributionentry"
    ),
    "attribution-api:job-detail": Entry(
        (401, 200, 200, 200, 403, 404, 404, 403, 200, 404), obj="attribution_job"
    ),
}


# Further requests of the routes above: POST on read-only pages (answered like GET, nothing
# written), exports and partials, other teams' deals, and every write method of the API
# (empty bodies; deletes confirm with a reason).
MORE: dict[str, tuple[Entry, ...]] = {
    "attribution:deal": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity", method="POST"),
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_opportunity"),
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 404, 404, 404), obj="drifter_opportunity"),
    ),
    "attribution:ledger": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="export=csv"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="export=xlsx"),
        # Every PDF is written by a job: the page sends the member to its progress page (303).
        Entry((LOGIN, 303, 303, 303, 303, 404, 303, 303, 303, 404), query="export=pdf"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), hx=True),
    ),
    "attribution:partners": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), hx=True),
    ),
    "attribution:periods": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), hx=True),
    ),
    "attribution:rules": (Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),),
    "attribution:rule-export": (Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),),
    "attribution:rule-edit": (
        Entry((LOGIN, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="attributionrule", method="POST"),
    ),
    "attribution:rule-new": (Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "attribution:settings": (
        Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),
        Entry((LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404), hx=True),
    ),
    "attribution-api:opportunity-partner-list": (
        Entry((401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),
    ),
    "attribution-api:account-partner-list": (
        Entry((401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),
    ),
    "attribution-api:rule-list": (Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "attribution-api:revenue-event-list": (
        Entry((401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),
    ),
    "attribution-api:opportunity-partner-detail": (
        Entry((401, 400, 400, 403, 403, 404, 404, 403, 404, 404), obj="opportunitypartner", method="PUT"),
        Entry((401, 400, 400, 403, 403, 404, 404, 403, 404, 404), obj="opportunitypartner", method="PATCH"),
        Entry(
            (401, 204, 204, 403, 403, 404, 404, 403, 404, 404),
            obj="opportunitypartner",
            method="DELETE",
            query="reason=matrix",
        ),
    ),
    "attribution-api:account-partner-detail": (
        Entry((401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="accountpartner", method="PUT"),
        Entry((401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="accountpartner", method="PATCH"),
        Entry(
            (401, 204, 204, 403, 403, 404, 404, 403, 404, 404),
            obj="accountpartner",
            method="DELETE",
            query="reason=matrix",
        ),
    ),
    "attribution-api:rule-detail": (
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="attributionrule", method="PUT"),
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="attributionrule", method="PATCH"),
    ),
    "attribution-api:settings": (
        Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="PUT"),
        Entry((401, 200, 403, 403, 403, 404, 200, 403, 403, 404), method="PATCH"),
    ),
}
