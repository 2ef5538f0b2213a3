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
# Disputes: `dispute` is the partner's (Kestrel, the rep's deal in the manager's team, with an
# internal note), `other_dispute` the other partner's (Osprey, the other team's deal),
# `outsider_dispute` one of Globex. Internal scope follows the deal; finance reads, reps and
# managers open, approvers (admin, managers) resolve.
DISPUTE_QUEUE = (LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)
DISPUTE = (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404)
DISPUTE_WRITE = (LOGIN, 302, 302, 302, 302, 404, 404, 404, 404, 404)
OPEN_FORM = {"deal": "@opportunity", "claim": "Matrix claim", "proposed_split_percent": "12"}
API_DISPUTES = (401, 200, 200, 200, 200, 200, 200, 200, 200, 200)
API_DISPUTE = (401, 200, 200, 200, 200, 200, 404, 404, 404, 404)
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
# Partner analytics: admins, managers (their team's deals) and finance; reps are refused, partner
# users find nothing; the outsider sees Globex's own figures. Each table's URL answers its export.
ANALYTICS = (LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404)
ANALYTICS_TABLES = (
    "partners:analytics-revenue",
    "partners:analytics-pipeline",
    "partners:analytics-comparison",
    "partners:analytics-funnel",
    "partners:analytics-leaderboard",
)

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
    # The users page is for partner managers: the other partner's user holds the grant.
    "portal:users": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 200)),
    "portal:user-resend": Entry(
        (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 302), obj="partner_colleague", method="POST"
    ),
    "portal:user-deactivate": Entry(
        (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 302), obj="partner_colleague", method="POST"
    ),
    # Touchpoints and split changes: one approval queue, the same answers as registrations.
    # Touchpoints and split changes follow the deal's scope: the other team's manager does not
    # find those on Kestrel.
    "partners:touchpoint": Entry(
        (LOGIN, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="partner_touchpoint"
    ),
    "partners:touchpoint-decide": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404),
        obj="partner_touchpoint",
        method="POST",
        data=REJECT,
    ),
    "partners:split-change": Entry((LOGIN, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="split_change"),
    "partners:split-change-decide": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404), obj="split_change", method="POST", data=REJECT
    ),
    "portal:touchpoints": Entry(PORTAL),
    "portal:touchpoint-new": Entry(PORTAL),
    "portal:touchpoint": Entry(OWN, obj="partner_touchpoint"),
    "partners:links": Entry(QUEUE),
    "partners:link-revoke": Entry(DECIDED, obj="registration_link", method="POST"),
    # The public form behind a signed link: no login, the same answer for everyone.
    "registration-link": Entry((200,) * 10, kwargs={"token": "@link_token"}),
    "partners:bulk-decide": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404),
        method="POST",
        data={"ids": "@registration", **REJECT},
    ),
    "portal:disputes": Entry(PORTAL),
    "portal:dispute-new": Entry(OWN, data={"deal": "@opportunity"}),
    "portal:dispute": Entry(OWN, obj="dispute"),
    "portal:dispute-comment": Entry(
        (LOGIN, 404, 404, 404, 404, 302, 404, 404, 404, 404),
        obj="dispute",
        method="POST",
        data={"body": "Hi"},
    ),
    "portal:dispute-withdraw": Entry(
        (LOGIN, 404, 404, 404, 404, 302, 404, 404, 404, 404), obj="dispute", method="POST"
    ),
    "partners:disputes": Entry(DISPUTE_QUEUE),
    "partners:dispute-report": Entry(DISPUTE_QUEUE),
    "partners:dispute-new": Entry(
        (LOGIN, 200, 200, 403, 200, 404, 404, 404, 404, 404), data={"deal": "@opportunity"}
    ),
    "partners:dispute": Entry(DISPUTE, obj="dispute"),
    "partners:dispute-comment": Entry(
        DISPUTE_WRITE, obj="dispute", method="POST", data={"body": "Matrix comment"}
    ),
    "partners:dispute-note": Entry(DISPUTE_WRITE, obj="dispute", method="POST", data={"body": "Matrix note"}),
    "partners:dispute-resolve": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404), obj="dispute", method="POST", data=REJECT
    ),
    "partners:program": Entry(PROGRAM),
    "partners:analytics": Entry(ANALYTICS),
    **{name: Entry(ANALYTICS) for name in ANALYTICS_TABLES},
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

# The API (/api/v1/partners/): the internal endpoints answer partner users 404 (the portal
# boundary), reps 403 (no registration capability); the portal endpoints answer every
# internal member 404 and partner users by their partner's scope.
API_QUEUE = (401, 200, 200, 200, 403, 404, 200, 403, 200, 404)
API_QUEUE_RECORD = (401, 200, 200, 200, 403, 404, 404, 403, 200, 404)
API_DECIDE = (401, 200, 200, 403, 403, 404, 404, 403, 200, 404)
API_PORTAL = (401, 404, 404, 404, 404, 200, 404, 404, 404, 200)
API_OWN = (401, 404, 404, 404, 404, 200, 404, 404, 404, 404)
API_OTHERS = (401, 404, 404, 404, 404, 404, 404, 404, 404, 200)
API_NOBODY = (401, 404, 404, 404, 404, 404, 404, 404, 404, 404)

API: dict[str, Entry] = {
    "partners-api:registration-list": Entry(API_QUEUE),
    "partners-api:registration-detail": Entry(API_QUEUE_RECORD, obj="registration"),
    "partners-api:registration-approve": Entry(API_DECIDE, obj="registration", method="POST"),
    "partners-api:registration-reject": Entry(API_DECIDE, obj="registration", method="POST", data=REJECT),
    "partners-api:touchpoint-list": Entry(API_QUEUE),
    "partners-api:touchpoint-detail": Entry(
        (401, 200, 200, 200, 403, 404, 404, 403, 404, 404), obj="partner_touchpoint"
    ),
    # The partner is already on Kestrel: approving adds no link.
    "partners-api:touchpoint-approve": Entry(
        (401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="partner_touchpoint", method="POST"
    ),
    "partners-api:touchpoint-reject": Entry(
        (401, 200, 200, 403, 403, 404, 404, 403, 404, 404),
        obj="partner_touchpoint",
        method="POST",
        data=REJECT,
    ),
    "partners-api:split-change-list": Entry(API_QUEUE),
    "partners-api:split-change-detail": Entry(
        (401, 200, 200, 200, 403, 404, 404, 403, 404, 404), obj="split_change"
    ),
    "partners-api:split-change-approve": Entry(
        (401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="split_change", method="POST"
    ),
    "partners-api:split-change-reject": Entry(
        (401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="split_change", method="POST", data=REJECT
    ),
    "partners-api:portal-touchpoint-list": Entry(API_PORTAL),
    "partners-api:portal-touchpoint-detail": Entry(API_OWN, obj="partner_touchpoint"),
    "partners-api:portal-registration-list": Entry(API_PORTAL),
    "partners-api:portal-registration-detail": Entry(API_OWN, obj="registration"),
    "partners-api:dispute-list": Entry(API_DISPUTES),
    "partners-api:dispute-detail": Entry(API_DISPUTE, obj="dispute"),
    "partners-api:dispute-comment": Entry(API_DISPUTE, obj="dispute", method="POST", data={"body": "Matrix"}),
    "partners-api:dispute-resolve": Entry(
        (401, 200, 200, 403, 403, 403, 404, 403, 404, 403),
        obj="dispute",
        method="POST",
        data={"accept": "false", "reason": "Matrix says no"},
    ),
    "partners-api:tier-list": Entry(PROGRAM_API),
    "partners-api:tier-detail": Entry(PROGRAM_API_ORG, obj="programtier"),
    "partners-api:health-list": Entry(PROGRAM_API),
    "partners-api:health-detail": Entry(PROGRAM_API_OWN, kwargs={"partner_id": "@partner"}),
}

MORE: dict[str, tuple[Entry, ...]] = {
    # An empty activity form: the page again with its errors (400), nothing written.
    "portal:touchpoint-new": (Entry((LOGIN, 404, 404, 404, 404, 400, 404, 404, 404, 400), method="POST"),),
    # An empty activity report: the form's field errors, for partner users only.
    "partners-api:portal-touchpoint-list": (
        Entry((401, 404, 404, 404, 404, 400, 404, 404, 404, 400), method="POST"),
    ),
    # An incomplete link form: the page again with its errors (400), nothing written.
    "partners:links": (
        Entry((LOGIN, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST", data={"days": "0"}),
    ),
    "portal:users": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 400), method="POST", data={"email": "x"}),
    ),
    # Another partner's user is not found, not even by a partner manager.
    "portal:user-deactivate": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="partner_membership", method="POST"),
    ),
    "portal:user-resend": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="partner_membership", method="POST"),
    ),
    "partners:link-revoke": (
        Entry((LOGIN, 404, 404, 403, 403, 404, 302, 403, 404, 404), obj="outsider_link", method="POST"),
    ),
    "registration-link": (
        # An incomplete registration: the form again with its errors (400), nothing written.
        Entry((400,) * 10, kwargs={"token": "@link_token"}, method="POST", data={"account_name": "X"}),
        # Not a signed link of ours: 404 for everyone.
        Entry((404,) * 10, kwargs={"token": "not-a-link"}),
    ),
    "partners-api:registration-list": (Entry(API_QUEUE, query="status=approved"),),
    "partners-api:registration-detail": (
        Entry(API_QUEUE_RECORD, obj="other_registration"),
        Entry((401, 404, 404, 404, 403, 404, 200, 403, 404, 404), obj="outsider_registration"),
    ),
    # Without a reason a rejection is refused (400), nothing written.
    "partners-api:registration-reject": (
        Entry((401, 400, 400, 403, 403, 404, 404, 403, 400, 404), obj="registration", method="POST"),
    ),
    # An incomplete registration: the form's errors (400), nothing written.
    "partners-api:portal-registration-list": (
        Entry((401, 404, 404, 404, 404, 400, 404, 404, 404, 400), method="POST", data={"account_name": "X"}),
    ),
    "partners-api:portal-registration-detail": (
        Entry(API_OTHERS, obj="other_registration"),
        Entry(API_NOBODY, obj="outsider_registration"),
    ),
    "portal:disputes": (Entry(PORTAL, query="status=open"),),
    # Opened: a redirect to it (the partner's deal); another partner's deal does not exist.
    "portal:dispute-new": (
        Entry((LOGIN, 404, 404, 404, 404, 302, 404, 404, 404, 404), method="POST", data=OPEN_FORM),
        Entry(OTHERS, data={"deal": "@other_opportunity"}),
        Entry(NOBODY, data={"deal": "@outsider_deal"}),
    ),
    "portal:dispute": (
        Entry(OTHERS, obj="other_dispute"),
        Entry(NOBODY, obj="outsider_dispute"),
    ),
    "portal:dispute-withdraw": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 302), obj="other_dispute", method="POST"),
    ),
    "partners:disputes": (
        Entry(DISPUTE_QUEUE, hx=True),
        Entry(DISPUTE_QUEUE, query="status=&overdue=yes&sort=-due"),
        Entry(DISPUTE_QUEUE, query="status=&export=csv"),
        Entry(DISPUTE_QUEUE, query="status=&export=xlsx"),
    ),
    "partners:dispute-report": (
        Entry(DISPUTE_QUEUE, query="export=csv"),
        Entry(DISPUTE_QUEUE, query="export=xlsx"),
    ),
    "partners:analytics": (
        Entry(ANALYTICS, hx=True, query="period=all"),
        Entry(ANALYTICS, query="period=all&role=referral&tier=gold&region=na"),
    ),
    **{
        name: (
            Entry(ANALYTICS, query="period=all&export=csv"),
            Entry(ANALYTICS, query="period=all&export=xlsx"),
        )
        for name in ANALYTICS_TABLES
    },
    "partners:dispute-new": (
        Entry(
            (LOGIN, 302, 302, 403, 302, 404, 404, 404, 404, 404),
            method="POST",
            data={**OPEN_FORM, "partner": "@partner"},
        ),
    ),
    "partners:dispute": (
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_dispute"),
        Entry((LOGIN, 404, 404, 404, 404, 404, 200, 404, 404, 404), obj="outsider_dispute"),
        Entry(DISPUTE, obj="dispute", hx=True),
    ),
    "partners:dispute-resolve": (
        # Without a reason a rejection is refused with a message (a redirect), nothing written.
        Entry(
            (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404),
            obj="dispute",
            method="POST",
            data={"action": "reject"},
        ),
        Entry(
            (LOGIN, 302, 404, 403, 403, 404, 404, 403, 302, 404),
            obj="other_dispute",
            method="POST",
            data=REJECT,
        ),
    ),
    "partners-api:dispute-list": (
        Entry(
            (401, 201, 201, 403, 201, 201, 404, 404, 404, 404),
            method="POST",
            data={
                "opportunity": "@opportunity",
                "partner": "@partner",
                "claim": "Matrix",
                "proposed_split_percent": "12",
            },
        ),
    ),
    "partners-api:dispute-detail": (
        Entry((401, 200, 404, 200, 404, 404, 404, 200, 200, 200), obj="other_dispute"),
        Entry((401, 404, 404, 404, 404, 404, 200, 404, 404, 404), obj="outsider_dispute"),
    ),
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
