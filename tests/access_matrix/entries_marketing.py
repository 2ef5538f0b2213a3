"""Matrix rows for marketing attribution: pages under /marketing/, API under /api/v1/marketing/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). The organization-wide pages (model comparison, channel
performance, runs) are for admin, managers and finance; reps get only the journey explorer,
where they see journeys of their own accounts' deals (`marketing_journey` is the rep's Kestrel
deal, `other_marketing_journey` the other team's Osprey deal); partners get nothing. Running a
configuration is for admin and managers (without a form: a message and a redirect), promoting
a run for admin and finance (the outsider's organization does not hold the run: 404).
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

ORG_VIEW = (LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404)
ORG_PDF = (LOGIN, 303, 303, 303, 403, 404, 303, 403, 303, 404)
JOURNEYS = (LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)
OWN_JOURNEY = (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404)
OTHER_JOURNEY = (LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404)
# One object of the organization: the outsider's organization does not hold it.
ORG_OBJECT = (LOGIN, 200, 200, 200, 403, 404, 404, 403, 200, 404)
# Uploading path sets (marketing.import) and managing schedules (marketing.run): admin, managers.
MANAGE = (LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404)
MANAGE_OBJECT = (LOGIN, 200, 200, 403, 403, 404, 404, 403, 200, 404)
# A form posted empty: its errors (400) for those who may, refused for the others.
MANAGE_EMPTY_FORM = (LOGIN, 400, 400, 403, 403, 404, 400, 403, 400, 404)
MANAGE_OBJECT_EMPTY_FORM = (LOGIN, 400, 400, 403, 403, 404, 404, 403, 400, 404)
# A write that answers with a message and a redirect.
MANAGE_OBJECT_POST = (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404)
API_BULK = (401, 200, 200, 403, 403, 404, 200, 403, 200, 404)
# Reads: organization-wide figures for admin, managers and finance; partners have no API.
API_VIEW = (401, 200, 200, 200, 403, 404, 200, 403, 200, 404)
API_RUN = (401, 200, 200, 200, 403, 404, 404, 403, 200, 404)
API_MANAGE_EMPTY = (401, 400, 400, 403, 403, 404, 400, 403, 400, 404)
API_MANAGE_OBJECT = (401, 200, 200, 403, 403, 404, 404, 403, 200, 404)
API_MANAGE_OBJECT_EMPTY = (401, 400, 400, 403, 403, 404, 404, 403, 400, 404)
API_JOURNEYS = (401, 200, 200, 200, 200, 404, 200, 200, 200, 404)
API_OWN_JOURNEY = (401, 200, 200, 200, 200, 404, 404, 404, 404, 404)
API_OTHER_JOURNEY = (401, 200, 404, 200, 404, 404, 404, 200, 200, 404)

PAGES: dict[str, Entry] = {
    "marketing:comparison": Entry(ORG_VIEW),
    "marketing:channels": Entry(ORG_VIEW),
    "marketing:runs": Entry(ORG_VIEW),
    "marketing:run-compare": Entry(ORG_VIEW),
    "marketing:run-create": Entry((LOGIN, 302, 302, 403, 403, 404, 302, 403, 302, 404), method="POST"),
    "marketing:run-promote": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 404, 403, 403, 404), obj="attributionrun", method="POST"
    ),
    "marketing:journeys": Entry(JOURNEYS),
    "marketing:journey": Entry(OWN_JOURNEY, obj="marketing_journey"),
    # Path sets: read with the marketing pages, uploaded and deleted by importers. The world's
    # set has no configuration on it, so deleting it succeeds (each request is rolled back).
    "marketing:path-sets": Entry(ORG_VIEW),
    "marketing:path-set": Entry(ORG_OBJECT, obj="pathset"),
    "marketing:path-set-upload": Entry(MANAGE),
    "marketing:path-set-delete": Entry(MANAGE_OBJECT_POST, obj="pathset", method="POST"),
    # Schedules: everyone with the marketing pages reads them; who may run configurations
    # manages them.
    "marketing:schedules": Entry(ORG_VIEW),
    "marketing:schedule-create": Entry(MANAGE),
    "marketing:schedule-edit": Entry(MANAGE_OBJECT, obj="configschedule"),
    "marketing:schedule-enable": Entry(
        MANAGE_OBJECT_POST, obj="configschedule", method="POST", data={"enabled": "0"}
    ),
    "marketing:schedule-run-now": Entry(MANAGE_OBJECT_POST, obj="configschedule", method="POST"),
}

API: dict[str, Entry] = {
    # An empty batch is valid and creates nothing.
    "marketing-api:touchpoint-bulk": Entry(API_BULK, method="POST", data={"touches": []}),
    "marketing-api:run-list": Entry(API_VIEW),
    "marketing-api:run-detail": Entry(API_RUN, obj="attributionrun"),
    "marketing-api:run-channels": Entry(API_RUN, obj="attributionrun"),
    "marketing-api:comparison": Entry(API_VIEW),
    "marketing-api:journeys": Entry(API_JOURNEYS),
    "marketing-api:journey": Entry(API_OWN_JOURNEY, obj="marketing_journey"),
    "marketing-api:path-set-list": Entry(API_VIEW),
    "marketing-api:path-set-detail": Entry(API_RUN, obj="pathset"),
    "marketing-api:path-set-rows": Entry(API_RUN, obj="pathset"),
    "marketing-api:schedule-list": Entry(API_VIEW),
    "marketing-api:schedule-detail": Entry(API_RUN, obj="configschedule"),
}

MORE: dict[str, tuple[Entry, ...]] = {
    "marketing:comparison": (
        Entry(ORG_VIEW, query="export=csv"),
        Entry(ORG_VIEW, query="export=xlsx"),
        Entry(ORG_PDF, query="export=pdf"),
    ),
    "marketing:channels": (
        Entry(ORG_VIEW, query="export=csv"),
        Entry(ORG_VIEW, query="export=xlsx"),
        Entry(ORG_PDF, query="export=pdf"),
        Entry(ORG_VIEW, hx=True),
    ),
    "marketing:journey": (Entry(OTHER_JOURNEY, obj="other_marketing_journey"),),
    "marketing:path-sets": (
        Entry(ORG_VIEW, query="export=csv"),
        Entry(ORG_VIEW, query="export=xlsx"),
    ),
    "marketing:path-set": (
        Entry(ORG_OBJECT, obj="pathset", query="export=csv"),
        Entry(ORG_OBJECT, obj="pathset", query="export=xlsx"),
        Entry(ORG_OBJECT, obj="pathset", query="channel=Search", hx=True),
    ),
    "marketing:path-set-upload": (Entry(MANAGE_EMPTY_FORM, method="POST"),),
    "marketing:schedule-create": (Entry(MANAGE_EMPTY_FORM, method="POST"),),
    "marketing:schedule-edit": (Entry(MANAGE_OBJECT_EMPTY_FORM, obj="configschedule", method="POST"),),
    "marketing-api:journey": (Entry(API_OTHER_JOURNEY, obj="other_marketing_journey"),),
    # Schedules are written by those who may run configurations; an empty body is a 400.
    "marketing-api:schedule-list": (Entry(API_MANAGE_EMPTY, method="POST"),),
    "marketing-api:schedule-detail": (
        Entry(API_MANAGE_OBJECT, obj="configschedule", method="PATCH", data={"window_days": 30}),
        Entry(API_MANAGE_OBJECT_EMPTY, obj="configschedule", method="PUT"),
    ),
}
