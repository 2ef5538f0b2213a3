"""Matrix rules for the Django admin (/admin/), keyed by model and route-name suffix.

Only organization admins (and superusers) enter the admin: anonymous visitors are sent to
its sign-in, every other role gets 404. Inside, what an admin may do depends on the model:
organization-owned rows are scoped to the admin's organization (rows of another
organization answer the admin's "doesn't exist" redirect), history rows are read-only, and
rows that belong to no organization are for superusers only (403 for an organization admin).
"""

from __future__ import annotations

from tests.access_matrix.expect import ADMIN_LOGIN, ADMIN_MISSING, LOGIN, Entry, Status


def admin_row(admin: Status, outsider: Status) -> tuple[Status, ...]:
    """anonymous → admin sign-in; manager, finance, rep, partner → 404."""
    return (ADMIN_LOGIN, admin, 404, 404, 404, 404, outsider)


# (admin, outsider) per route-name suffix, per kind of model admin.
EDITABLE = {
    "changelist": (200, 200),
    "add": (200, 200),
    "change": (200, ADMIN_MISSING),
    "delete": (200, ADMIN_MISSING),
    "history": (200, ADMIN_MISSING),
}
NO_DELETE = EDITABLE | {"delete": (403, 403)}  # periods are closed, users deactivated
READ_ONLY = {
    "changelist": (200, 200),
    "add": (403, 403),
    "change": (200, ADMIN_MISSING),
    "delete": (403, 403),
    "history": (200, ADMIN_MISSING),
}
SUPERUSER_ONLY = dict.fromkeys(EDITABLE, (403, 403))
IMPORT_EXPORT = {"import": (200, 200), "export": (200, 200), "process_import": (200, 200)}
EXPORT = {"export": (200, 200)}

# "<app_label>_<model_name>" → the suffixes its admin serves, with (admin, outsider) statuses.
MODELS: dict[str, dict[str, tuple[Status, Status]]] = {
    "revops_account": EDITABLE | IMPORT_EXPORT,
    "revops_partner": EDITABLE | IMPORT_EXPORT,
    "revops_productline": EDITABLE | IMPORT_EXPORT,
    "revops_product": EDITABLE | IMPORT_EXPORT,
    "revops_opportunity": EDITABLE | EXPORT,
    "revops_opportunitystagechange": READ_ONLY,
    "revops_membership": EDITABLE,
    "revops_user": NO_DELETE,
    "revops_fiscalperiod": NO_DELETE,
    "revops_jobrun": READ_ONLY,
    "revops_importprofile": EDITABLE,
    "revops_auditevent": READ_ONLY,
    "revops_apitoken": READ_ONLY,
    "revops_organization": SUPERUSER_ONLY,
    "auth_group": SUPERUSER_ONLY,
    "account_emailaddress": SUPERUSER_ONLY,
    "mfa_authenticator": SUPERUSER_ONLY,
    "axes_accessattempt": SUPERUSER_ONLY,
    "axes_accesslog": SUPERUSER_ONLY,
    "axes_accessfailurelog": SUPERUSER_ONLY,
    "django_celery_beat_periodictask": SUPERUSER_ONLY,
    "django_celery_beat_clockedschedule": SUPERUSER_ONLY,
    "django_celery_beat_crontabschedule": SUPERUSER_ONLY,
    "django_celery_beat_solarschedule": SUPERUSER_ONLY,
    "django_celery_beat_intervalschedule": SUPERUSER_ONLY,
    "attribution_attributionsettings": EDITABLE,
    "attribution_opportunitypartner": READ_ONLY,
    "attribution_accountpartner": READ_ONLY,
    "attribution_attributionrule": READ_ONLY,
    "attribution_attributionruleversion": READ_ONLY,
    "attribution_revenueevent": READ_ONLY,
    "attribution_attributionentry": READ_ONLY,
    "attribution_attributionperiodseal": READ_ONLY,
}
OBJECT_SUFFIXES = ("change", "delete", "history")
POST_SUFFIXES = ("process_import",)  # the import confirmation only takes POST (empty: nothing imported)

# Admin routes that belong to the site rather than to one model.
SITE: dict[str, Entry] = {
    "admin:index": Entry(admin_row(200, 200)),
    "admin:app_list": Entry(admin_row(200, 200), kwargs={"app_label": "revops"}),
    # Sign-in happens on the product's page; a signed-in admin is sent there too (it forwards).
    "admin:login": Entry((LOGIN, LOGIN, 404, 404, 404, 404, LOGIN)),
    # GET does not sign out (405); visitors are sent to the index, hence to sign-in.
    "admin:logout": Entry((ADMIN_MISSING, 405, 404, 404, 404, 404, 405)),
    "admin:password_change": Entry(admin_row(200, 200)),
    "admin:password_change_done": Entry(admin_row(200, 200)),
    "admin:jsi18n": Entry(admin_row(200, 200)),
    # Offers only the requesting admin's organization members (see test_admin_autocomplete…).
    "admin:autocomplete": Entry(
        admin_row(200, 200), query="app_label=revops&model_name=membership&field_name=user"
    ),
    # Opportunities have no public page to jump to.
    "admin:view_on_site": Entry(
        admin_row(404, 404), obj="opportunity", kwargs={"content_type_id": "@opportunity_contenttype"}
    ),
    # A member of another organization cannot reach this organization's users at all.
    "admin:auth_user_password_change": Entry(admin_row(200, 404), obj="user"),
    # Unknown admin URLs.
    "admin/(?P<url>.*)$": Entry(admin_row(404, 404), kwargs={"url": "no-such-page/"}),
}
