"""Matrix rows for the core pages, the core API, the schema/docs and sign-in (allauth, MFA).

Columns: anonymous, admin, manager, finance, rep, partner, outsider (admin of the other
organization), other_rep, other_manager, other_partner (see expect.ACTORS). Object routes point at rows of `org`, so the outsider must get 404.
"""

from __future__ import annotations

from tests.access_matrix.expect import HOME, LOGIN, PORTAL, Entry, Redirect

# Pages answer anonymous visitors with the sign-in page and partner users with 404 (they work
# in the portal; the home page sends them there).
PAGES: dict[str, Entry] = {
    "revops:home": Entry((LOGIN, 200, 200, 200, 200, PORTAL, 200, 200, 200, PORTAL)),
    "revops:opportunity-list": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "revops:opportunity-import": Entry((LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404)),
    "revops:opportunity-detail": Entry(
        (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity"
    ),
    "revops:opportunity-create": Entry((LOGIN, 200, 200, 403, 200, 404, 200, 200, 200, 404)),
    "revops:opportunity-edit": Entry((LOGIN, 200, 200, 403, 200, 404, 404, 404, 404, 404), obj="opportunity"),
    "revops:account-detail": Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="account"),
    "revops:account-create": Entry((LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404)),
    "revops:account-edit": Entry((LOGIN, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="account"),
    "revops:partner-detail": Entry((LOGIN, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="partner"),
    "revops:partner-create": Entry((LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404)),
    "revops:partner-edit": Entry((LOGIN, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="partner"),
    "revops:search": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    # Export jobs are seen and downloaded only by whoever started them; the world's job run is
    # no one's export, so everyone who may export gets 404 (tests/revops/test_export_matrix.py
    # requests every declared export as every actor).
    "revops:export-status": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun"),
    "revops:export-download": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun"),
    "revops:job-list": Entry((LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404)),
    "revops:job-progress": Entry((LOGIN, 200, 200, 200, 403, 404, 404, 403, 200, 404), obj="jobrun"),
    "revops:token-list": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    # Any registered kind's upload page; revenue events need attribution.edit (finance lacks it).
    "revops:import-upload": Entry(
        (LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404), kwargs={"kind_name": "revenue_events"}
    ),
    # The bulk-import page lists the kinds each role may import (finance: its own kinds).
    "revops:import-index": Entry((LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404)),
    # A kind's template, as its upload page: accounts need record.import (managers and admins).
    "revops:import-template": Entry(
        (LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404), kwargs={"kind_name": "accounts", "fmt": "xlsx"}
    ),
    # An import job needs the job page and its kind's capability (finance lacks the import one);
    # imports are organization-wide, so another team's manager may open it too.
    "revops:import-job": Entry((LOGIN, 200, 200, 403, 403, 404, 404, 403, 200, 404), obj="import_job"),
    # The job is a preview still queued: confirming it is refused with a message (redirect back).
    "revops:import-confirm": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404), obj="import_job", method="POST"
    ),
    # An empty name is refused (400): nothing is created.
    "revops:token-create": Entry((LOGIN, 400, 400, 400, 400, 404, 400, 400, 400, 404), method="POST"),
    # The rep's token, already revoked (revoking twice is a no-op). Only its owner and
    # whoever manages every token may touch it; for the others it does not exist.
    "revops:token-revoke": Entry(
        (LOGIN, 302, 404, 404, 302, 404, 404, 404, 404, 404), obj="revoked_token", method="POST"
    ),
    # Backup and restore are for organization admins only (an admin of the other organization
    # reaches the page for their own organization). The world's job run is no backup: 404.
    "revops:backup": Entry((LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404)),
    # No file: refused (400) once past the capability; nothing is stored or queued.
    "revops:backup-restore": Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),
    "revops:backup-job": Entry((LOGIN, 404, 403, 403, 403, 404, 404, 403, 403, 404), obj="jobrun"),
    "revops:backup-download": Entry((LOGIN, 404, 403, 403, 403, 404, 404, 403, 403, 404), obj="jobrun"),
    # Reports: every member who may export reaches the page (each report offered as their
    # capabilities allow, built with their scope). Report jobs are seen and downloaded only by
    # whoever asked for them: the world's job run is nobody's report, so 404 for all.
    "revops:reports": Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "revops:report-job": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun"),
    "revops:report-download": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun"),
    # An empty schedule form is refused (400): nothing is created.
    "revops:report-schedule-create": Entry(
        (LOGIN, 400, 400, 400, 400, 404, 400, 400, 400, 404), method="POST"
    ),
    # The rep's schedule: its owner and the organization's admins may stop it; for everyone
    # else it does not exist.
    "revops:report-schedule-delete": Entry(
        (LOGIN, 302, 404, 404, 302, 404, 404, 404, 404, 404), obj="report_schedule", method="POST"
    ),
    # Switching to an organization one is not a member of answers 404.
    "revops:organization-switch": Entry(
        (LOGIN, HOME, HOME, HOME, HOME, HOME, 404, HOME, HOME, HOME),
        method="POST",
        data={"organization": "@organization"},
    ),
}

# The API answers anonymous clients 401 (Bearer challenge) and partner users 404 (the portal
# boundary: only the partner program's own endpoints exist for them).
API: dict[str, Entry] = {
    "api-root": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "me": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    # No file: 400 for whoever may import the kind.
    "import-create": Entry(
        (401, 400, 400, 403, 403, 404, 400, 403, 400, 404),
        method="POST",
        kwargs={"kind_name": "opportunities"},
    ),
    "import-job": Entry((401, 200, 200, 403, 403, 404, 404, 403, 200, 404), obj="import_job"),
    "import-confirm": Entry(
        (401, 400, 400, 403, 403, 404, 404, 403, 400, 404), obj="import_job", method="POST"
    ),
    "account-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "account-detail": Entry((401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="account"),
    "partner-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "partner-detail": Entry((401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="partner"),
    "product-line-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "product-line-detail": Entry((401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="productline"),
    "product-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "product-detail": Entry((401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="product"),
    "opportunity-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "opportunity-detail": Entry((401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity"),
    "stage-change-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "stage-change-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunitystagechange"
    ),
    "period-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "period-detail": Entry((401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="fiscalperiod"),
    "token-list": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "token-detail": Entry((401, 200, 404, 404, 200, 404, 404, 404, 404, 404), obj="apitoken"),
    "token-revoke": Entry(
        (401, 200, 404, 404, 200, 404, 404, 404, 404, 404), obj="revoked_token", method="POST"
    ),
    # The health check is for load balancers: anonymous, "ok" or the failed dependency only.
    "health": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # The OpenAPI schema and its docs: for those who may call the API (partner users may not).
    "api-schema": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
    "api-docs": Entry((401, 200, 200, 200, 200, 404, 200, 200, 200, 404)),
}

REAUTH = Redirect("/accounts/reauthenticate/")
PASSWORD_CHANGE = Redirect("/accounts/password/change/")
MFA_INDEX = Redirect("/accounts/2fa/")
NOWHERE = {"key": "not-a-real-key", "uidb36": "zz"}

# allauth and MFA: sign-in pages for visitors; signed-in members are sent home; account
# pages require a session. The rep holds recovery codes (see world.py), nobody holds TOTP.
AUTH: dict[str, Entry] = {
    "account_login": Entry((200, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    # GET asks for confirmation; only POST signs out.
    "account_logout": Entry((LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_inactive": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Self sign-up is closed (users are invited): visitors see the "closed" page.
    "account_signup": Entry((200, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    "account_reauthenticate": Entry((LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_email": Entry((LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_email_verification_sent": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_change_password": Entry((LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Everybody already has a password: "set" sends them to "change".
    "account_set_password": Entry((LOGIN, *[PASSWORD_CHANGE] * 9)),
    "account_reset_password": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_done": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_from_key_done": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # A forged key finds nothing: the page says the link is invalid or expired.
    "account_reset_password_from_key": Entry(
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200), kwargs=NOWHERE
    ),
    "account_confirm_email": Entry((200, 200, 200, 200, 200, 200, 200, 200, 200, 200), kwargs=NOWHERE),
    # Without a login in progress there is no code or second factor to confirm.
    "account_confirm_login_code": Entry((LOGIN, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    "mfa_authenticate": Entry((LOGIN, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    "mfa_index": Entry((LOGIN, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    # Re-authenticating with a second factor needs one (only the rep has one).
    "mfa_reauthenticate": Entry((LOGIN, REAUTH, REAUTH, REAUTH, 200, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH)),
    # Adding TOTP asks for a fresh sign-in first; an unverified e-mail address (the rep's)
    # may not add a second factor at all, so the rep is sent back to the MFA index.
    "mfa_activate_totp": Entry(
        (LOGIN, REAUTH, REAUTH, REAUTH, MFA_INDEX, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH)
    ),
    "mfa_deactivate_totp": Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    "mfa_view_recovery_codes": Entry((LOGIN, 404, 404, 404, REAUTH, 404, 404, 404, 404, 404)),
    "mfa_download_recovery_codes": Entry((LOGIN, 404, 404, 404, REAUTH, 404, 404, 404, 404, 404)),
    "mfa_generate_recovery_codes": Entry(
        (LOGIN, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH)
    ),
}


# Further requests of the routes above: the methods they accept besides the first, exports,
# partials (HTMX), searches, and other objects (another team's deal, a deal whose rep only
# shares the manager's team name, an account without deals).
# Read-only pages answer POST like GET (nothing is written): classified so it stays so.
# API writes carry an empty body: 400 shows the actor got past scope and capability.
MORE: dict[str, tuple[Entry, ...]] = {
    # Generating with an empty form is refused (400); nothing is queued.
    "revops:reports": (Entry((LOGIN, 400, 400, 400, 400, 404, 400, 400, 400, 404), method="POST"),),
    # An unknown format is refused (400) for admins; nothing is queued.
    "revops:backup": (
        Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST", data={"format": "pdf"}),
    ),
    # Posting no file is refused (400) for whoever may import the kind; nothing is stored.
    "revops:import-upload": (
        Entry(
            (LOGIN, 400, 400, 403, 403, 404, 400, 403, 400, 404),
            kwargs={"kind_name": "revenue_events"},
            method="POST",
        ),
    ),
    "revops:export-status": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun", method="POST"),
    ),
    "revops:export-download": (
        Entry((LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404), obj="jobrun", method="POST"),
    ),
    # Record pages and forms: an empty form is refused (400) once past capability and scope.
    "revops:opportunity-create": (
        Entry((LOGIN, 400, 400, 403, 400, 404, 400, 400, 400, 404), method="POST"),
    ),
    "revops:opportunity-edit": (
        Entry((LOGIN, 400, 400, 403, 400, 404, 404, 404, 404, 404), obj="opportunity", method="POST"),
        Entry((LOGIN, 200, 404, 403, 404, 404, 404, 200, 200, 404), obj="other_opportunity"),
    ),
    "revops:account-detail": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="account", method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="quiet_account"),
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_account"),
    ),
    "revops:account-create": (Entry((LOGIN, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),),
    "revops:account-edit": (
        Entry((LOGIN, 400, 400, 403, 403, 404, 404, 403, 404, 404), obj="account", method="POST"),
        Entry((LOGIN, 200, 404, 403, 403, 404, 404, 403, 200, 404), obj="other_account"),
    ),
    "revops:partner-detail": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="partner", method="POST"),
    ),
    "revops:partner-create": (Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "revops:partner-edit": (
        Entry((LOGIN, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="partner", method="POST"),
    ),
    "revops:home": (
        Entry((LOGIN, 200, 200, 200, 200, PORTAL, 200, 200, 200, PORTAL), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, PORTAL, 200, 200, 200, PORTAL), query="export=csv"),
        Entry((LOGIN, 200, 200, 200, 200, PORTAL, 200, 200, 200, PORTAL), query="export=xlsx"),
    ),
    "revops:opportunity-list": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="export=csv"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="export=xlsx"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), hx=True),
    ),
    "revops:opportunity-detail": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="opportunity", method="POST"),
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_opportunity"),
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 404, 404, 404), obj="drifter_opportunity"),
    ),
    "revops:search": (
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="q=deal"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="q=Ltd"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="q=Partners"),
        Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), query="q=deal", hx=True),
    ),
    "revops:job-list": (
        Entry((LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404), method="POST"),
        Entry((LOGIN, 200, 200, 200, 403, 404, 200, 403, 200, 404), query="export=csv"),
    ),
    "revops:job-progress": (
        Entry((LOGIN, 200, 200, 200, 403, 404, 404, 403, 200, 404), obj="jobrun", method="POST"),
    ),
    "revops:token-list": (Entry((LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404), method="POST"),),
    "revops:opportunity-import": (
        Entry((LOGIN, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),
    ),
    "account-detail": (
        Entry((401, 200, 200, 200, 200, 404, 404, 404, 404, 404), obj="quiet_account"),
        Entry((401, 400, 400, 403, 403, 404, 404, 403, 404, 404), obj="account", method="PUT"),
        Entry((401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="account", method="PATCH"),
        Entry((401, 409, 409, 403, 403, 404, 404, 403, 404, 404), obj="account", method="DELETE"),
    ),
    "opportunity-detail": (
        Entry((401, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_opportunity"),
        Entry((401, 200, 404, 200, 404, 404, 404, 404, 404, 404), obj="drifter_opportunity"),
        Entry((401, 400, 400, 403, 400, 404, 404, 404, 404, 404), obj="opportunity", method="PUT"),
        Entry((401, 200, 200, 403, 200, 404, 404, 404, 404, 404), obj="opportunity", method="PATCH"),
        Entry((401, 409, 409, 403, 409, 404, 404, 404, 404, 404), obj="opportunity", method="DELETE"),
    ),
    "account-list": (Entry((401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),),
    "partner-list": (Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "product-line-list": (Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "product-list": (Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),),
    "opportunity-list": (Entry((401, 400, 400, 403, 400, 404, 400, 400, 400, 404), method="POST"),),
    "token-list": (Entry((401, 400, 400, 400, 400, 404, 400, 400, 400, 404), method="POST"),),
    "partner-detail": (
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="partner", method="PUT"),
        Entry((401, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="partner", method="PATCH"),
        Entry((401, 409, 403, 403, 403, 404, 404, 403, 403, 404), obj="partner", method="DELETE"),
    ),
    "product-line-detail": (
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="productline", method="PUT"),
        Entry((401, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="productline", method="PATCH"),
        Entry((401, 409, 403, 403, 403, 404, 404, 403, 403, 404), obj="productline", method="DELETE"),
    ),
    "product-detail": (
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="product", method="PUT"),
        Entry((401, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="product", method="PATCH"),
        Entry((401, 204, 403, 403, 403, 404, 404, 403, 403, 404), obj="product", method="DELETE"),
    ),
}

# Sign-in pages do not depend on role or organization (the GET rows show that for every
# actor): their POST rows ask a visitor, an admin and the rep (who holds recovery codes).
SIGN_IN_ACTORS = ("anonymous", "admin", "rep")
EMAIL = Redirect("/accounts/email/")
AUTH_MORE: dict[str, tuple[Entry, ...]] = {
    # An unknown format is refused (400) for admins; nothing is queued.
    "revops:backup": (
        Entry((LOGIN, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST", data={"format": "pdf"}),
    ),
    "account_login": (Entry((200, HOME, HOME), method="POST", actors=SIGN_IN_ACTORS),),
    "account_logout": (Entry((LOGIN, LOGIN, LOGIN), method="POST", actors=SIGN_IN_ACTORS),),
    "account_signup": (Entry((200, HOME, HOME), method="POST", actors=SIGN_IN_ACTORS),),
    "account_reauthenticate": (Entry((LOGIN, 200, 200), method="POST", actors=SIGN_IN_ACTORS),),
    "account_email": (Entry((LOGIN, EMAIL, EMAIL), method="POST", actors=SIGN_IN_ACTORS),),
    "account_change_password": (Entry((LOGIN, 200, 200), method="POST", actors=SIGN_IN_ACTORS),),
    "account_set_password": (
        Entry((LOGIN, PASSWORD_CHANGE, PASSWORD_CHANGE), method="POST", actors=SIGN_IN_ACTORS),
    ),
    "account_reset_password": (Entry((200, 200, 200), method="POST", actors=SIGN_IN_ACTORS),),
    "account_confirm_login_code": (Entry((LOGIN, HOME, HOME), method="POST", actors=SIGN_IN_ACTORS),),
    "account_confirm_email": (Entry((404, 404, 404), method="POST", kwargs=NOWHERE, actors=SIGN_IN_ACTORS),),
    "account_reset_password_from_key": (
        Entry((200, 200, 200), method="POST", kwargs=NOWHERE, actors=SIGN_IN_ACTORS),
    ),
    "mfa_authenticate": (Entry((LOGIN, HOME, HOME), method="POST", actors=SIGN_IN_ACTORS),),
    "mfa_reauthenticate": (Entry((LOGIN, REAUTH, 200), method="POST", actors=SIGN_IN_ACTORS),),
    "mfa_activate_totp": (Entry((LOGIN, REAUTH, MFA_INDEX), method="POST", actors=SIGN_IN_ACTORS),),
    "mfa_deactivate_totp": (Entry((LOGIN, 404, 404), method="POST", actors=SIGN_IN_ACTORS),),
    "mfa_generate_recovery_codes": (Entry((LOGIN, REAUTH, REAUTH), method="POST", actors=SIGN_IN_ACTORS),),
    "mfa_download_recovery_codes": (Entry((LOGIN, 404, REAUTH), method="POST", actors=SIGN_IN_ACTORS),),
}
