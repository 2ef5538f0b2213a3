"""Matrix rows for the core pages, the core API, the schema/docs and sign-in (allauth, MFA).

Columns: anonymous, admin, manager, finance, rep, partner, outsider (admin of the other
organization). Object routes point at rows of `org`, so the outsider must get 404.
"""

from __future__ import annotations

from tests.access_matrix.expect import HOME, LOGIN, Entry, Redirect

# Pages answer anonymous visitors with the sign-in page and partner users with 403.
PAGES: dict[str, Entry] = {
    "revops:home": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "revops:opportunity-list": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "revops:opportunity-import": Entry((LOGIN, 200, 200, 403, 403, 403, 200)),
    "revops:opportunity-detail": Entry((LOGIN, 200, 200, 200, 200, 403, 404), obj="opportunity"),
    "revops:opportunity-create": Entry((LOGIN, 200, 200, 403, 200, 403, 200)),
    "revops:opportunity-edit": Entry((LOGIN, 200, 200, 403, 200, 403, 404), obj="opportunity"),
    "revops:account-detail": Entry((LOGIN, 200, 200, 200, 200, 403, 404), obj="account"),
    "revops:account-create": Entry((LOGIN, 200, 200, 403, 403, 403, 200)),
    "revops:account-edit": Entry((LOGIN, 200, 200, 403, 403, 403, 404), obj="account"),
    "revops:partner-detail": Entry((LOGIN, 200, 200, 200, 200, 403, 404), obj="partner"),
    "revops:partner-create": Entry((LOGIN, 200, 403, 403, 403, 403, 200)),
    "revops:partner-edit": Entry((LOGIN, 200, 403, 403, 403, 403, 404), obj="partner"),
    "revops:search": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    "revops:job-list": Entry((LOGIN, 200, 200, 200, 403, 403, 200)),
    "revops:job-progress": Entry((LOGIN, 200, 200, 200, 403, 403, 404), obj="jobrun"),
    "revops:token-list": Entry((LOGIN, 200, 200, 200, 200, 403, 200)),
    # An empty name is refused (400): nothing is created.
    "revops:token-create": Entry((LOGIN, 400, 400, 400, 400, 403, 400), method="POST"),
    # The rep's token, already revoked (revoking twice is a no-op). Only its owner and
    # whoever manages every token may touch it; for the others it does not exist.
    "revops:token-revoke": Entry((LOGIN, 302, 404, 404, 302, 403, 404), obj="revoked_token", method="POST"),
    # Switching to an organization one is not a member of answers 404.
    "revops:organization-switch": Entry(
        (LOGIN, HOME, HOME, HOME, HOME, HOME, 404), method="POST", data={"organization": "@organization"}
    ),
}

# The API answers anonymous clients 401 (Bearer challenge) and partner users 403.
API: dict[str, Entry] = {
    "api-root": Entry((401, 200, 200, 200, 200, 403, 200)),
    "me": Entry((401, 200, 200, 200, 200, 403, 200)),
    "account-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "account-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="account"),
    "partner-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "partner-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="partner"),
    "product-line-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "product-line-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="productline"),
    "product-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "product-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="product"),
    "opportunity-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "opportunity-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="opportunity"),
    "stage-change-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "stage-change-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="opportunitystagechange"),
    "period-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "period-detail": Entry((401, 200, 200, 200, 200, 403, 404), obj="fiscalperiod"),
    "token-list": Entry((401, 200, 200, 200, 200, 403, 200)),
    "token-detail": Entry((401, 200, 404, 404, 200, 403, 404), obj="apitoken"),
    "token-revoke": Entry((401, 200, 404, 404, 200, 403, 404), obj="revoked_token", method="POST"),
    # The OpenAPI schema and its docs are public by design (integrators read them first).
    "api-schema": Entry((401, 200, 200, 200, 200, 200, 200)),
    "api-docs": Entry((401, 200, 200, 200, 200, 200, 200)),
}

REAUTH = Redirect("/accounts/reauthenticate/")
PASSWORD_CHANGE = Redirect("/accounts/password/change/")
MFA_INDEX = Redirect("/accounts/2fa/")
NOWHERE = {"key": "not-a-real-key", "uidb36": "zz"}

# allauth and MFA: sign-in pages for visitors; signed-in members are sent home; account
# pages require a session. The rep holds recovery codes (see world.py), nobody holds TOTP.
AUTH: dict[str, Entry] = {
    "account_login": Entry((200, HOME, HOME, HOME, HOME, HOME, HOME)),
    # GET asks for confirmation; only POST signs out.
    "account_logout": Entry((LOGIN, 200, 200, 200, 200, 200, 200)),
    "account_inactive": Entry((200, 200, 200, 200, 200, 200, 200)),
    # Self sign-up is closed (users are invited): visitors see the "closed" page.
    "account_signup": Entry((200, HOME, HOME, HOME, HOME, HOME, HOME)),
    "account_reauthenticate": Entry((LOGIN, 200, 200, 200, 200, 200, 200)),
    "account_email": Entry((LOGIN, 200, 200, 200, 200, 200, 200)),
    "account_email_verification_sent": Entry((200, 200, 200, 200, 200, 200, 200)),
    "account_change_password": Entry((LOGIN, 200, 200, 200, 200, 200, 200)),
    # Everybody already has a password: "set" sends them to "change".
    "account_set_password": Entry(
        (
            LOGIN,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
            PASSWORD_CHANGE,
        )
    ),
    "account_reset_password": Entry((200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_done": Entry((200, 200, 200, 200, 200, 200, 200)),
    "account_reset_password_from_key_done": Entry((200, 200, 200, 200, 200, 200, 200)),
    # A forged key finds nothing: the page says the link is invalid or expired.
    "account_reset_password_from_key": Entry((200, 200, 200, 200, 200, 200, 200), kwargs=NOWHERE),
    "account_confirm_email": Entry((200, 200, 200, 200, 200, 200, 200), kwargs=NOWHERE),
    # Without a login in progress there is no code or second factor to confirm.
    "account_confirm_login_code": Entry((LOGIN, HOME, HOME, HOME, HOME, HOME, HOME)),
    "mfa_authenticate": Entry((LOGIN, HOME, HOME, HOME, HOME, HOME, HOME)),
    "mfa_index": Entry((LOGIN, 200, 200, 200, 200, 200, 200)),
    # Re-authenticating with a second factor needs one (only the rep has one).
    "mfa_reauthenticate": Entry((LOGIN, REAUTH, REAUTH, REAUTH, 200, REAUTH, REAUTH)),
    # Adding TOTP asks for a fresh sign-in first; an unverified e-mail address (the rep's)
    # may not add a second factor at all, so the rep is sent back to the MFA index.
    "mfa_activate_totp": Entry((LOGIN, REAUTH, REAUTH, REAUTH, MFA_INDEX, REAUTH, REAUTH)),
    "mfa_deactivate_totp": Entry((LOGIN, 404, 404, 404, 404, 404, 404)),
    "mfa_view_recovery_codes": Entry((LOGIN, 404, 404, 404, REAUTH, 404, 404)),
    "mfa_download_recovery_codes": Entry((LOGIN, 404, 404, 404, REAUTH, 404, 404)),
    "mfa_generate_recovery_codes": Entry((LOGIN, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH, REAUTH)),
}
