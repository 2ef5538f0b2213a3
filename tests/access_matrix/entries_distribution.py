"""Matrix rows for distribution: pages under /distribution/, API under /api/v1/distribution/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). Every internal role sees leads, scoped by owner: a rep
their own, a team manager their reports', admin and finance the organization's (the world's
`distribution_lead` is the rep's "Kestrel lead"). Configurations, runs and fairness are for
those who run distributions (admins and managers); editing configurations and salesperson
profiles is for admins.
Run pages and run previews show only the rows of reps the member may see. Read pages take
GET only (POST is 405).
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

VIEW = (LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)
VIEW_RECORD = (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404)
RUN = (LOGIN, 200, 200, 403, 403, 404, 200, 403, 200, 404)
RUN_RECORD = (LOGIN, 200, 200, 403, 403, 404, 404, 403, 200, 404)
EDIT = (LOGIN, 200, 403, 403, 403, 404, 200, 403, 403, 404)
EDIT_RECORD = (LOGIN, 200, 403, 403, 403, 404, 404, 403, 403, 404)
API_VIEW = (401, 200, 200, 200, 200, 404, 200, 200, 200, 404)
API_RECORD = (401, 200, 200, 200, 200, 404, 404, 404, 404, 404)
API_RUN = (401, 200, 200, 403, 403, 404, 200, 403, 200, 404)
API_RUN_RECORD = (401, 200, 200, 403, 403, 404, 404, 403, 200, 404)
DOC = "campaign: {name: Matrix}\ndistribution: {strategy: round_robin}\n"

PAGES: dict[str, Entry] = {
    "distribution:leads": Entry(VIEW),
    "distribution:lead": Entry(VIEW_RECORD, obj="distribution_lead"),
    "distribution:configs": Entry(RUN),
    "distribution:config-new": Entry(EDIT),
    # Live validation answers with the document's first problem (or "valid").
    "distribution:config-validate": Entry(EDIT, method="POST", data={"document": DOC}),
    "distribution:config": Entry(RUN_RECORD, obj="distributionconfig"),
    # A dry run queued as a JobRun, then back to the run history.
    "distribution:config-run": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 302, 404),
        obj="distributionconfig",
        method="POST",
        data={"mode": "dry_run"},
    ),
    # Salesperson profiles: the list for those who run distributions, editing for admins.
    "distribution:profiles": Entry(RUN),
    "distribution:profile-new": Entry(EDIT),
    "distribution:profile": Entry(EDIT_RECORD, obj="salespersonprofile"),
    "distribution:runs": Entry(RUN),
    "distribution:run": Entry(RUN_RECORD, obj="distributionrun"),
    "distribution:fairness": Entry(RUN),
}

MORE: dict[str, tuple[Entry, ...]] = {
    "distribution:leads": (Entry(VIEW, hx=True),),
    "distribution:lead": (
        Entry((LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404), obj="other_distribution_lead"),
    ),
    # An empty form: shown again with its errors (nothing saved).
    "distribution:config-new": (Entry(EDIT, method="POST"),),
    # Saving needs CONFIG_EDIT: a manager who may run it is refused; an empty form is shown again.
    "distribution:config": (
        Entry((LOGIN, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="distributionconfig", method="POST"),
    ),
    "distribution:runs": (Entry(RUN, hx=True),),
    # An empty form is shown again with its errors (nothing saved).
    "distribution:profile-new": (Entry(EDIT, method="POST"),),
    "distribution:profile": (Entry(EDIT_RECORD, obj="salespersonprofile", method="POST"),),
    "distribution-api:lead-list": (
        Entry(
            (401, 201, 201, 403, 403, 404, 201, 403, 201, 404),
            method="POST",
            data={"external_id": "matrix-1", "name": "Matrix lead"},
        ),
    ),
    "distribution-api:lead-detail": (
        Entry((401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="distribution_lead", method="PUT"),
        Entry((401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="distribution_lead", method="PATCH"),
        # Its assignment history keeps it: 409 for those who may delete leads.
        Entry((401, 409, 409, 403, 403, 404, 404, 403, 404, 404), obj="distribution_lead", method="DELETE"),
    ),
    "distribution-api:config-list": (
        Entry((401, 400, 403, 403, 403, 404, 400, 403, 403, 404), method="POST"),
    ),
    "distribution-api:config-detail": (
        Entry((401, 400, 403, 403, 403, 404, 404, 403, 403, 404), obj="distributionconfig", method="PUT"),
        Entry((401, 200, 403, 403, 403, 404, 404, 403, 403, 404), obj="distributionconfig", method="PATCH"),
    ),
    # The configuration is Acme's: another organization's admin is told it does not exist.
    "distribution-api:run-list": (
        Entry(
            (401, 202, 202, 403, 403, 404, 400, 403, 202, 404),
            method="POST",
            data={"config": "@distributionconfig", "mode": "dry_run"},
        ),
    ),
}

API: dict[str, Entry] = {
    "distribution-api:lead-list": Entry(API_VIEW),
    "distribution-api:lead-detail": Entry(API_RECORD, obj="distribution_lead"),
    # An empty batch is refused (400) for those who may write leads.
    "distribution-api:lead-bulk": Entry((401, 400, 400, 403, 403, 404, 400, 403, 400, 404), method="POST"),
    "distribution-api:config-list": Entry(API_RUN),
    "distribution-api:config-detail": Entry(API_RUN_RECORD, obj="distributionconfig"),
    "distribution-api:run-list": Entry(API_RUN),
    "distribution-api:run-detail": Entry(API_RUN_RECORD, obj="distributionrun"),
    "distribution-api:assignment-list": Entry(API_VIEW),
    "distribution-api:assignment-detail": Entry(API_RECORD, obj="leadassignment"),
}
