"""Matrix rows for the partner program: the portal under /portal/ and the approval queue under
/partners/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). The portal is for partner users only: every internal role,
and the outsider, gets 404 there (as if it did not exist); partner users get 404 on every
internal page (entries_core / _attribution / _commissions). `registration` is the partner's
(Bittern), `other_registration` the other partner's (Dunlin), `outsider_registration` one of
Globex: a partner user finds only their own partner's; an approver (admin, managers) the
organization's. Decisions are rejections with a reason (undone after each request).
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

PORTAL = (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404, 200)
OWN = (LOGIN, 404, 404, 404, 404, 200, 404, 404, 404, 404)  # the partner's registration
OTHERS = (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 200)  # the other partner's
NOBODY = (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404)  # another organization's
QUEUE = (LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404)
QUEUE_RECORD = (LOGIN, 200, 200, 403, 403, 404, 404, 403, 200, 404)
DECIDED = (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404)
REJECT = {"action": "reject", "reason": "Matrix says no"}
# The partner program page: internal readers (not reps); the outsider sees Globex's own page.
PROGRAM = (LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404)
PROGRAM_RECORD = (LOGIN, 200, 200, 200, 403, 404, 404, 403, 200, 404)
PROGRAM_ACT = (LOGIN, 302, 302, 403, 403, 404, 302, 403, 302, 404)  # admins and managers
PROGRAM_RECORD_ACT = (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404)
# The program API: internal readers with API access and partner users (their own partner only).
PROGRAM_API = (401, 200, 200, 200, 403, 200, 200, 403, 200, 200)
PROGRAM_API_ORG = (401, 200, 200, 200, 403, 200, 404, 403, 200, 200)
PROGRAM_API_OWN = (401, 200, 200, 200, 403, 200, 404, 403, 200, 404)  # the partner's health
PROGRAM_API_OTHERS = (401, 200, 200, 200, 403, 404, 404, 403, 200, 200)  # the other partner's

PAGES: dict[str, Entry] = {
    "portal:home": Entry(PORTAL),
    "portal:deals": Entry(PORTAL),
    "portal:statement": Entry(PORTAL),
    "portal:registrations": Entry(PORTAL),
    "portal:registration-new": Entry(PORTAL),
    "portal:registration-check": Entry(PORTAL, query="account_name=Kestrel+Ltd"),
    "portal:registration": Entry(OWN, obj="registration"),
    # The partner's own: withdrawn (a redirect back to it); everyone else does not find it.
    "portal:registration-withdraw": Entry(
        (LOGIN, 404, 404, 404, 404, 302, 404, 404, 404, 404), obj="registration", method="POST"
    ),
    "partners:queue": Entry(QUEUE),
    "partners:registration": Entry(QUEUE_RECORD, obj="registration"),
    "partners:decide": Entry(DECIDED, obj="registration", method="POST", data=REJECT),
    "partners:bulk-decide": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404),
        method="POST",
        data={"ids": "@registration", **REJECT},
    ),
    "partners:program": Entry(PROGRAM),
    "partners:program-recompute": Entry(PROGRAM_ACT, method="POST"),
    "partners:program-partner": Entry(PROGRAM_RECORD, obj="partner"),
    "partners:program-lifecycle": Entry(
        PROGRAM_RECORD_ACT, obj="partner", method="POST", data={"stage": "onboarding"}
    ),
    "partners:program-onboarding": Entry(
        PROGRAM_RECORD_ACT, method="POST", kwargs={"pk": "@partner", "step": "@onboardingstep"}
    ),
    "partners:tier-change-decide": Entry(PROGRAM_RECORD_ACT, obj="tier_change", method="POST", data=REJECT),
    "partners:alert-ack": Entry(PROGRAM_RECORD_ACT, obj="alert", method="POST"),
}

API: dict[str, Entry] = {
    "partners-api:tier-list": Entry(PROGRAM_API),
    "partners-api:tier-detail": Entry(PROGRAM_API_ORG, obj="programtier"),
    "partners-api:health-list": Entry(PROGRAM_API),
    "partners-api:health-detail": Entry(PROGRAM_API_OWN, kwargs={"partner_id": "@partner"}),
}

MORE: dict[str, tuple[Entry, ...]] = {
    "partners-api:health-detail": (
        Entry(PROGRAM_API_OTHERS, kwargs={"partner_id": "@program_other_partner"}),
    ),
    # A rejection without a reason is refused with a message (a redirect), nothing written.
    "partners:tier-change-decide": (
        Entry(PROGRAM_RECORD_ACT, obj="tier_change", method="POST", data={"action": "reject"}),
    ),
    "portal:statement": (
        Entry(PORTAL, query="export=csv"),
        Entry(PORTAL, query="export=xlsx"),
        Entry((LOGIN, 404, 404, 404, 404, 303, 404, 404, 404, 303), query="export=pdf"),
    ),
    "portal:registrations": (Entry(PORTAL, query="status=submitted"),),
    # A submission missing its fields: the form again with its errors (400), nothing written.
    "portal:registration-new": (
        Entry(
            (LOGIN, 404, 404, 404, 404, 400, 404, 404, 404, 400), method="POST", data={"account_name": "X"}
        ),
    ),
    "portal:registration": (
        Entry(OTHERS, obj="other_registration"),
        Entry(NOBODY, obj="outsider_registration"),
        Entry(OWN, obj="registration", hx=True),
    ),
    "portal:registration-withdraw": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 302), obj="other_registration", method="POST"),
    ),
    "partners:queue": (
        Entry(QUEUE, hx=True),
        Entry(QUEUE, query="status=&conflict=yes&sort=-value"),
    ),
    "partners:registration": (
        Entry(QUEUE_RECORD, obj="other_registration"),
        Entry((LOGIN, 404, 404, 403, 403, 404, 200, 403, 404, 404), obj="outsider_registration"),
        Entry(QUEUE_RECORD, obj="registration", hx=True),
    ),
    "partners:decide": (
        # Without a reason a rejection is refused with a message (a redirect), nothing written.
        Entry(DECIDED, obj="registration", method="POST", data={"action": "reject"}),
        Entry(
            (LOGIN, 404, 404, 403, 403, 404, 302, 403, 404, 404),
            obj="outsider_registration",
            method="POST",
            data=REJECT,
        ),
    ),
}
