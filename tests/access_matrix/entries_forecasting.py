"""Matrix rows for forecasting: pages under /forecasting/, API under /api/v1/forecasting/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). Every internal role views forecasting, scoped by deal owner
as the permission table says (`forecasting.score`, `forecasting.call`): a rep their own, a
team manager their reports', admin and finance the organization's. The world's scores belong
to the Kestrel (rep), Osprey (other team) and Plover deals; `forecastcall` is the rep's call,
`other_forecastcall` the other team's rep's. Calls are submitted by whoever may call (not
finance) and adjusted by admins and managers within their scope; training, scoring and
simulating are for admins and managers and only queue a job (never run inside the matrix).
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

VIEW = (LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)
VIEW_RECORD = (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404)
OTHER_RECORD = (LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404)
PDF = (LOGIN, 303, 303, 303, 303, 404, 303, 303, 303, 404)
API_VIEW = (401, 200, 200, 200, 200, 404, 200, 200, 200, 404)
API_RECORD = (401, 200, 200, 200, 200, 404, 404, 404, 404, 404)
API_OTHER = (401, 200, 404, 200, 404, 404, 404, 200, 200, 404)
API_ORG = (401, 200, 200, 200, 200, 404, 404, 200, 200, 404)  # the organization's, not a rep's
TRAIN = (LOGIN, 302, 302, 403, 403, 404, 302, 403, 302, 404)
API_TRAIN = (401, 202, 202, 403, 403, 404, 202, 403, 202, 404)
CALL = {"commit": "100", "best_case": "200", "pipeline": "300", "note": "matrix"}
ADJUST = {"adjusted_commit": "90", "reason": "matrix"}

PAGES: dict[str, Entry] = {
    "forecasting:risk": Entry(VIEW),
    "forecasting:deal": Entry(VIEW_RECORD, obj="opportunity"),
    "forecasting:forecast": Entry(VIEW),
    "forecasting:model": Entry(VIEW),
    "forecasting:call-submit": Entry(
        (LOGIN, 302, 302, 403, 302, 404, 302, 302, 302, 404), method="POST", data=CALL
    ),
    # The rep's call: their manager and admins adjust it; other managers do not find it.
    "forecasting:call-adjust": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404), obj="forecastcall", method="POST", data=ADJUST
    ),
    "forecasting:job-start": Entry(TRAIN, method="POST", kwargs={"kind": "score"}),
}

API: dict[str, Entry] = {
    "forecasting-api:score-list": Entry(API_VIEW),
    "forecasting-api:score-detail": Entry(API_RECORD, obj="dealscore"),
    "forecasting-api:model-list": Entry(API_VIEW),
    "forecasting-api:model-detail": Entry(API_ORG, obj="modelversion"),
    "forecasting-api:forecast": Entry(API_VIEW),
    "forecasting-api:train": Entry(API_TRAIN, method="POST"),
    "forecasting-api:score": Entry(API_TRAIN, method="POST"),
}

MORE: dict[str, tuple[Entry, ...]] = {
    "forecasting:risk": (
        Entry(VIEW, hx=True),
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(VIEW, query="risk_band=medium"),
    ),
    "forecasting:deal": (
        Entry(OTHER_RECORD, obj="other_opportunity"),
        Entry(VIEW_RECORD, obj="opportunity", hx=True),
    ),
    "forecasting:forecast": (
        Entry(VIEW, hx=True),
        Entry(VIEW, query="target=1000"),
        # One level of the roll-up; a member outside scope (or unknown) shows the top again.
        Entry(VIEW, query="under=1", hx=True),
        Entry(VIEW, query="under=999999999"),
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(PDF, query="export=pdf"),
    ),
    "forecasting:call-adjust": (
        Entry(
            (LOGIN, 302, 404, 403, 403, 404, 404, 403, 302, 404),
            obj="other_forecastcall",
            method="POST",
            data=ADJUST,
        ),
    ),
    # An unknown job kind is not found.
    "forecasting:job-start": (
        Entry(
            (LOGIN, 404, 404, 403, 403, 404, 404, 403, 404, 404), method="POST", kwargs={"kind": "nothing"}
        ),
    ),
    "forecasting-api:score-detail": (Entry(API_OTHER, obj="other_dealscore"),),
}
