"""Matrix rows for partner attribution: pages under /attribution/, API under /api/v1/attribution/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider. Every role but partner
may view attribution; managers also change splits; only admins edit rules and settings;
admins and finance close periods. POSTs carry an invalid or no-op body: nothing changes.
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

TOO_LONG_KEY = {"idempotency_key": "k" * 81}  # refused by the serializer: nothing is queued

PAGES: dict[str, Entry] = {
    "attribution:deal": Entry((LOGIN, 200, 200, 200, 200, 403, 404), obj="opportunity"),
    # No partner, no reason: the form is refused (400) and no split changes.
    "attribution:deal-split": Entry((LOGIN, 400, 400, 403, 403, 403, 404), obj="opportunity", method="POST"),
    "attribution:ledger": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "attribution:partners": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "attribution:periods": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    # Closing a closed period is a no-op; reopening without a reason is refused. Both
    # redirect back to the periods page.
    "attribution:period-close": Entry(
        (LOGIN, 302, 403, 302, 403, 403, 404), obj="closed_period", method="POST"
    ),
    "attribution:period-reopen": Entry(
        (LOGIN, 302, 403, 302, 403, 403, 404), obj="closed_period", method="POST"
    ),
    "attribution:rules": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "attribution:rule-new": Entry((LOGIN, 200, 403, 403, 403, 403, 200)),
    "attribution:rule-parse": Entry((LOGIN, 400, 403, 403, 403, 403, 400), method="POST"),
    "attribution:rule-edit": Entry((LOGIN, 200, 403, 403, 403, 403, 404), obj="attributionrule"),
    "attribution:rule-export": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "attribution:rule-import": Entry((LOGIN, 400, 403, 403, 403, 403, 400), method="POST"),
    "attribution:rule-import-confirm": Entry((LOGIN, 400, 403, 403, 403, 403, 400), method="POST"),
}

API: dict[str, Entry] = {
    "attribution-api:recompute": Entry((401, 400, 400, 403, 403, 403, 400), method="POST", data=TOO_LONG_KEY),
    "attribution-api:opportunity-explanations": Entry((401, 200, 200, 200, 200, 403, 404), obj="opportunity"),
    "attribution-api:settings": Entry((401, 200, 403, 403, 403, 403, 200)),
    "attribution-api:opportunity-partner-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:opportunity-partner-detail": Entry(
        (401, 200, 200, 200, 200, 403, 404), obj="opportunitypartner"
    ),
    "attribution-api:account-partner-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:account-partner-detail": Entry(
        (401, 200, 200, 200, 200, 403, 404), obj="accountpartner"
    ),
    "attribution-api:rule-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:rule-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="attributionrule"),
    "attribution-api:rule-versions": Entry((401, 200, 200, 200, 200, 403, 404), obj="attributionrule"),
    "attribution-api:rule-export": Entry((401, 200, 200, 200, 200, 403, 200)),
    # An empty upload is refused (400); only rule editors get that far.
    "attribution-api:rule-import-rules": Entry((401, 400, 403, 403, 403, 403, 400), method="POST"),
    "attribution-api:revenue-event-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:revenue-event-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="revenueevent"),
    "attribution-api:ledger-entry-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:ledger-entry-totals": Entry((401, 200, 200, 200, 200, 403, 200)),
    "attribution-api:ledger-entry-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="attributionentry"),
    "attribution-api:job-detail": Entry((401, 200, 200, 200, 403, 403, 404), obj="attribution_job"),
}
