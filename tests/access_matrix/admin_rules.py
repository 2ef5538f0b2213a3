"""Matrix rules for the Django admin (/admin/), keyed by model and route-name suffix.

Only organization admins (and superusers) enter the admin: anonymous visitors are sent to
its sign-in, every other role gets 404. Inside, what an admin may do depends on the model:
organization-owned rows are scoped to the admin's organization (rows of another
organization answer the admin's "doesn't exist" redirect), history rows are read-only, and
rows that belong to no organization are for superusers only (403 for an organization admin).
"""

from __future__ import annotations

from tests.access_matrix.expect import ACTORS, ADMIN_LOGIN, ADMIN_MISSING, LOGIN, Entry, Status

# The admin is for organization admins: every other role is stopped at the /admin/ gate,
# whatever the row. `other_rep`, `other_manager` and `other_partner` hold the same roles as
# `rep`, `manager` and `partner` and no admin row depends on the team, so admin routes ask
# the first seven actors only.
ADMIN_ACTORS = ACTORS[:7]


def admin_entry(admin: Status, outsider: Status, **extra) -> Entry:
    """anonymous → admin sign-in; manager, finance, rep, partner → 404."""
    return Entry((ADMIN_LOGIN, admin, 404, 404, 404, 404, outsider), actors=ADMIN_ACTORS, **extra)


# Per route-name suffix, per method: (admin, outsider). Django's admin takes GET and POST on
# every page (other methods are refused before it, see FormMethodsMiddleware). POSTs carry an
# empty form (errors, nothing saved) except deletes, which confirm.
Rule = dict[str, tuple[Status, Status]]
EDITABLE: dict[str, Rule] = {
    "changelist": {"GET": (200, 200), "POST": (200, 200)},
    "add": {"GET": (200, 200), "POST": (200, 200)},
    "change": {"GET": (200, ADMIN_MISSING), "POST": (200, ADMIN_MISSING)},
    "delete": {"GET": (200, ADMIN_MISSING), "POST": (302, ADMIN_MISSING)},
    "history": {"GET": (200, ADMIN_MISSING), "POST": (200, ADMIN_MISSING)},
}
# Rows still referenced: the confirmed delete answers with the list of what blocks it.
REFERENCED = EDITABLE | {"delete": {"GET": (200, ADMIN_MISSING), "POST": (200, ADMIN_MISSING)}}
NO_DELETE = EDITABLE | {"delete": {"GET": (403, 403), "POST": (403, 403)}}  # periods close, users deactivate
READ_ONLY: dict[str, Rule] = {
    "changelist": {"GET": (200, 200), "POST": (200, 200)},
    "add": {"GET": (403, 403), "POST": (403, 403)},
    "change": {"GET": (200, ADMIN_MISSING), "POST": (403, 403)},  # refused before the row is looked up
    "delete": {"GET": (403, 403), "POST": (403, 403)},
    "history": {"GET": (200, ADMIN_MISSING), "POST": (200, ADMIN_MISSING)},
}
# Append-only rows an admin adds but never changes or deletes (commission plan versions).
# The change page looks the row up first (another organization's row: "doesn't exist").
ADD_ONLY: dict[str, Rule] = READ_ONLY | {
    "add": {"GET": (200, 200), "POST": (200, 200)},
    "change": {"GET": (200, ADMIN_MISSING), "POST": (403, ADMIN_MISSING)},
}
SUPERUSER_ONLY: dict[str, Rule] = {key: {"GET": (403, 403), "POST": (403, 403)} for key in EDITABLE}
IMPORT_EXPORT: dict[str, Rule] = {
    "import": {"GET": (200, 200), "POST": (200, 200)},
    "export": {"GET": (200, 200), "POST": (200, 200)},
    # The import confirmation only takes POST. Empty, it names no file this session previewed:
    # a message and back to the list, nothing imported.
    "process_import": {"POST": (302, 302)},
}
EXPORT: dict[str, Rule] = {"export": {"GET": (200, 200), "POST": (200, 200)}}
# Imported through the import framework: the admin's import page uploads to a framework job
# (an empty POST redisplays the form); there is no django-import-export confirmation.
FRAMEWORK_IMPORT: dict[str, Rule] = EXPORT | {"import": {"GET": (200, 200), "POST": (200, 200)}}

# "<app_label>_<model_name>" → the suffixes its admin serves, with their rules.
MODELS: dict[str, dict[str, Rule]] = {
    "revops_account": REFERENCED | FRAMEWORK_IMPORT,
    "revops_partner": REFERENCED | FRAMEWORK_IMPORT,
    "revops_productline": REFERENCED | FRAMEWORK_IMPORT,
    "revops_product": EDITABLE | FRAMEWORK_IMPORT,
    "revops_opportunity": REFERENCED | EXPORT,
    "revops_opportunitystagechange": READ_ONLY,
    "revops_membership": EDITABLE,
    "revops_user": NO_DELETE,
    "revops_fiscalperiod": NO_DELETE,
    "revops_jobrun": READ_ONLY,
    "revops_importprofile": EDITABLE,
    "revops_auditevent": READ_ONLY,
    "revops_apitoken": READ_ONLY,
    "revops_organization": SUPERUSER_ONLY,
    # The Salesforce sync: configuration edited (its actions are POSTs to the changelist);
    # the per-record log is written by sync runs only, and keeps its connection (PROTECT).
    "revops_salesforceconnection": REFERENCED,
    "revops_syncsegment": EDITABLE,
    "revops_fieldmapping": EDITABLE,
    "revops_synclogentry": READ_ONLY,
    "revops_pushbacklogentry": READ_ONLY,
    # Report schedules are created on the reports page (recipients checked there): no add.
    "revops_reportschedule": EDITABLE | {"add": {"GET": (403, 403), "POST": (403, 403)}},
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
    "commissions_salestransaction": READ_ONLY,
    # Receipts come in through the payments import (the list links to it); the admin exports them.
    "commissions_cashreceipt": READ_ONLY | EXPORT,
    # Channels carry touches (the confirmed delete lists them); a config change saves a new
    # version and configs are never deleted (runs refer to them); touches and runs are read-only.
    "marketing_channel": REFERENCED,
    "marketing_campaign": EDITABLE,
    "marketing_modelconfig": NO_DELETE,
    "marketing_touchpoint": READ_ONLY,
    "marketing_attributionrun": READ_ONLY,
    # Path sets come in through the import; schedules are set (and removed) in the admin.
    "marketing_pathset": READ_ONLY,
    "marketing_configschedule": EDITABLE,
    "commissions_commissionplan": REFERENCED,
    "commissions_commissionplanversion": ADD_ONLY,
    "commissions_planassignment": EDITABLE,
    "commissions_businessobjective": EDITABLE | IMPORT_EXPORT,
    "commissions_repalias": EDITABLE | IMPORT_EXPORT,
    "commissions_territory": EDITABLE | IMPORT_EXPORT,
    "commissions_servicemapping": EDITABLE | IMPORT_EXPORT,
    "distribution_campaign": EDITABLE,
    "distribution_salespersonprofile": EDITABLE,
    # The world's lead has an assignment, which keeps it (PROTECT).
    "distribution_lead": REFERENCED,
    # Configurations keep their versions: deactivated, never deleted.
    "distribution_distributionconfig": NO_DELETE,
    "distribution_distributionrun": READ_ONLY,
    "distribution_leadassignment": READ_ONLY,
    # Models are promoted by the admin action (through the service); scores, snapshots and
    # calls are written by their jobs and pages.
    "forecasting_modelversion": READ_ONLY,
    "forecasting_dealscore": READ_ONLY,
    "forecasting_forecastsnapshot": READ_ONLY,
    "forecasting_forecastcall": READ_ONLY,
    "partners_approvalpolicy": EDITABLE,
    "partners_programsettings": EDITABLE,
    "partners_partnermanagergrant": EDITABLE,
    "partners_dealregistration": READ_ONLY,
    "partners_approvaldecision": READ_ONLY,
    "partners_partnerdispute": READ_ONLY,
    "partners_programtier": EDITABLE,
    "partners_partnercertification": EDITABLE,
    "partners_onboardingstep": EDITABLE,
    # Tier changes are written by the computation and decided on the program page.
    "partners_partnertierchange": READ_ONLY,
}
OBJECT_SUFFIXES = ("change", "delete", "history")


def object_key(model_key: str) -> str:
    """The world's id key of an admin model: its model name, or "<app>_<model>" when two apps
    have a model of that name (marketing and distribution both have a Campaign)."""
    model = model_key.rsplit("_", 1)[-1]
    same_name = [key for key in MODELS if key.rsplit("_", 1)[-1] == model]
    return model_key if len(same_name) > 1 else model


CONFIRM_DELETE = {"post": "yes"}
# Every role but admin is stopped by the /admin/ gate before the method matters; the GET
# rows prove that gate on every route, so a POST row asks only who gets past it.
POST_ACTORS = ("anonymous", "admin", "outsider")


def model_entries(model: str, suffix: str, rules: dict[str, Rule]) -> tuple[Entry, ...]:
    """The GET and POST rows of one admin model route."""
    obj = model if suffix in OBJECT_SUFFIXES else None
    entries = []
    for method, (admin, outsider) in rules[suffix].items():
        if method == "GET":
            entries.append(admin_entry(admin, outsider, obj=obj))
        else:
            data = CONFIRM_DELETE if suffix == "delete" else {}
            expect = (ADMIN_LOGIN, admin, outsider)
            entries.append(Entry(expect, obj=obj, method=method, data=data, actors=POST_ACTORS))
    return tuple(entries)


def object_redirect_entries(model: str) -> tuple[Entry, ...]:
    """`<model>/<id>/` sends whoever may enter the admin on to the change page, which decides."""
    return (
        admin_entry(302, 302, obj=model),
        Entry((ADMIN_LOGIN, 302, 302), obj=model, method="POST", actors=POST_ACTORS),
    )


def site_post(admin: Status, outsider: Status, **extra) -> Entry:
    return Entry((ADMIN_LOGIN, admin, outsider), method="POST", actors=POST_ACTORS, **extra)


# Admin routes that belong to the site rather than to one model.
SITE: dict[str, Entry] = {
    "admin:index": admin_entry(200, 200),
    "admin:app_list": admin_entry(200, 200, kwargs={"app_label": "revops"}),
    # Sign-in happens on the product's page; a signed-in admin is sent there too (it forwards).
    "admin:login": Entry((LOGIN, LOGIN, 404, 404, 404, 404, LOGIN), actors=ADMIN_ACTORS),
    # GET does not sign out (405); visitors are sent to the index, hence to sign-in.
    "admin:logout": Entry((ADMIN_MISSING, 405, 404, 404, 404, 404, 405), actors=ADMIN_ACTORS),
    "admin:password_change": admin_entry(200, 200),
    "admin:password_change_done": admin_entry(200, 200),
    "admin:jsi18n": admin_entry(200, 200),
    # Offers only the requesting admin's organization members (see test_admin_autocomplete…).
    "admin:autocomplete": admin_entry(
        200, 200, query="app_label=revops&model_name=membership&field_name=user"
    ),
    # Opportunities have no public page to jump to.
    "admin:view_on_site": admin_entry(
        404, 404, obj="opportunity", kwargs={"content_type_id": "@opportunity_contenttype"}
    ),
    # A member of another organization cannot reach this organization's users at all.
    "admin:auth_user_password_change": admin_entry(200, 404, obj="user"),
    # Unknown admin URLs.
    "admin/(?P<url>.*)$": admin_entry(404, 404, kwargs={"url": "no-such-page/"}),
}


# POSTs to the site pages: the index and app list read like GET; signing in goes through the
# product's page; a POST signs out; the password forms refuse an empty form.
SITE_MORE: dict[str, tuple[Entry, ...]] = {
    "admin:index": (site_post(200, 200),),
    "admin:app_list": (site_post(200, 200, kwargs={"app_label": "revops"}),),
    "admin:login": (Entry((LOGIN, LOGIN, LOGIN), method="POST", actors=POST_ACTORS),),
    "admin:logout": (Entry((ADMIN_MISSING, LOGIN, LOGIN), method="POST", actors=POST_ACTORS),),
    "admin:password_change": (site_post(200, 200),),
    "admin:view_on_site": (
        site_post(404, 404, obj="opportunity", kwargs={"content_type_id": "@opportunity_contenttype"}),
    ),
    "admin:auth_user_password_change": (site_post(200, 404, obj="user"),),
    "admin/(?P<url>.*)$": (site_post(404, 404, kwargs={"url": "no-such-page/"}),),
}
