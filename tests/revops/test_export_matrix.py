"""Every declared export, in every format, requested by every actor of the access matrix.

Expected answers are written out per export: the file itself (200) for small CSV/Excel, a
redirect to the export's progress page (303) for PDFs, 403 for roles that may not export it
(404 for partner users outside the portal),
404 for a record outside the actor's scope, the sign-in page for anonymous visitors.

The world is the access matrix's (tests/access_matrix/world.py), built once per module: every
file an actor gets (CSV, Excel, and the PDF the job wrote) is searched for the sentinel words
of rows out of their scope, and for a few words it must hold, so an empty file cannot pass.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from revops.export_registry import export_specs
from revops.models import JobRun
from tests.access_matrix.content import text_of
from tests.access_matrix.expect import ACTORS
from tests.access_matrix.world import world_build

OK = "ok"  # 200 with the file (CSV/Excel) or 303 to the progress page (PDF)
LOGIN = "login"
# Per export: the answer for each actor, in ACTORS order (anonymous, admin, manager, finance,
# rep, partner, outsider, other_rep, other_manager, other_partner).
EXPECTED = {
    "opportunities": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # On the product's home page, which sends partner users to the portal.
    "top-accounts": (LOGIN, OK, OK, OK, OK, 302, OK, OK, OK, 302),
    "jobs": (LOGIN, OK, OK, OK, 403, 404, OK, 403, OK, 404),
    "attribution-ledger": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "attribution-partners": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "attribution-periods": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # The rep's Kestrel deal: another team and another organization get 404, as on the page.
    "attribution-deal": (LOGIN, OK, OK, OK, OK, 404, 404, 404, 404, 404),
    "commissions-payouts": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "commissions-objectives": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "commissions-analysis": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # Organization-wide marketing figures: not for reps or partners.
    "marketing-comparison": (LOGIN, OK, OK, OK, 403, 404, OK, 403, OK, 404),
    "marketing-channels": (LOGIN, OK, OK, OK, 403, 404, OK, 403, OK, 404),
    "marketing-path-sets": (LOGIN, OK, OK, OK, 403, 404, OK, 403, OK, 404),
    # One path set's rows: another organization's admin gets 404, as on the page.
    "marketing-path-set": (LOGIN, OK, OK, OK, 403, 404, 404, 403, OK, 404),
    "forecasting-risk": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "forecasting-forecast": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # The rep's January statement: another rep, team or organization gets 404, as on the page.
    "commissions-statement": (LOGIN, OK, OK, OK, OK, 404, 404, 404, 404, 404),
    "commissions-sales": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "commissions-uploads": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # The portal's statement: partner users only (internal roles get 404 under /portal/).
    "partners-statement": (LOGIN, 404, 404, 404, 404, OK, 404, 404, 404, OK),
    # The internal dispute queue and its ageing report: every internal role, in its deal scope.
    "partners-disputes": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    "partners-dispute-ageing": (LOGIN, OK, OK, OK, OK, 404, OK, OK, OK, 404),
    # Partner analytics: admins, managers and finance; not reps, not partner users.
    **{
        f"partners-analytics-{table}": (LOGIN, OK, OK, OK, 403, 404, OK, 403, OK, 404)
        for table in ("revenue", "pipeline", "comparison", "funnel", "leaderboard")
    },
}
# Record pages: the world's row whose id fills the page URL.
OBJECTS = {
    "attribution-deal": "opportunity",
    "commissions-statement": "commissionstatement",
    "marketing-path-set": "pathset",
}
# Words the file must hold for an actor (CSV: the first table only).
SHOWN: dict[tuple[str, str], tuple[str, ...]] = {
    ("opportunities", "rep"): ("Kestrel",),
    ("opportunities", "outsider"): ("Ibis",),
    ("opportunities", "other_manager"): ("Osprey",),
    ("attribution-ledger", "rep"): ("Kestrel", "Northwind"),
    ("attribution-ledger", "other_rep"): ("Osprey", "Wren"),
    ("attribution-ledger", "outsider"): ("Ibis",),
    ("attribution-partners", "admin"): ("Northwind", "Wren"),
    ("attribution-partners", "rep"): ("Northwind",),
    ("attribution-partners", "other_manager"): ("Wren",),
    ("attribution-partners", "outsider"): ("Ibis",),
    ("attribution-periods", "rep"): ("Northwind",),
    ("attribution-periods", "other_rep"): ("Wren",),
    ("attribution-periods", "outsider"): ("Ibis",),
    ("attribution-deal", "rep"): ("Northwind",),
    ("attribution-deal", "manager"): ("Northwind",),
    # Payouts list approved and paid statements: the rep's January one (the others are drafts).
    ("commissions-payouts", "rep"): ("rep1@acme.test",),
    ("commissions-payouts", "manager"): ("rep1@acme.test",),
    ("commissions-payouts", "finance"): ("rep1@acme.test",),
    ("commissions-statement", "rep"): ("Matrix line",),
    ("commissions-statement", "manager"): ("Matrix line",),
    ("commissions-sales", "admin"): ("Kestrel", "Osprey", "Plover"),
    ("commissions-sales", "rep"): ("Kestrel",),
    ("commissions-sales", "other_manager"): ("Osprey",),
    ("commissions-sales", "outsider"): ("Ibis",),
    ("commissions-uploads", "finance"): ("Kestrel", "Osprey", "Plover"),
    ("commissions-uploads", "rep"): ("Kestrel",),
    ("commissions-uploads", "other_rep"): ("Osprey",),
    ("forecasting-risk", "admin"): ("Kestrel", "Osprey", "Plover"),
    ("forecasting-risk", "rep"): ("Kestrel",),
    ("forecasting-risk", "other_manager"): ("Osprey",),
    ("forecasting-risk", "outsider"): ("Ibis",),
    # Each partner's statement holds its own deals' lines: Northwind's Kestrel, Wren's Osprey.
    ("partners-statement", "partner"): ("Kestrel deal", "Plover deal"),
    ("partners-statement", "other_partner"): ("Osprey deal",),
    ("partners-disputes", "rep"): ("Kestrel",),
    ("partners-disputes", "other_rep"): ("Osprey",),
    ("partners-disputes", "outsider"): ("Ibis",),
    ("partners-analytics-revenue", "admin"): ("Northwind", "Wren"),
    ("partners-analytics-revenue", "other_manager"): ("Wren",),
    ("partners-analytics-revenue", "outsider"): ("Ibis",),
    ("partners-analytics-leaderboard", "finance"): ("Northwind", "Wren"),
    ("partners-analytics-leaderboard", "manager"): ("Northwind",),
}
CASES = [(spec.key, fmt, actor) for spec in export_specs() for fmt in spec.formats for actor in ACTORS]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_build()
        for name, membership in built.actors.items():
            if membership is not None:
                client = Client()
                client.force_login(membership.user)
                built.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


def test_every_declared_export_has_expectations():
    specs = export_specs()
    assert sorted(EXPECTED) == sorted(spec.key for spec in specs)
    assert sorted(OBJECTS) == sorted(spec.key for spec in specs if spec.url_kwargs)


@pytest.mark.parametrize(("key", "fmt", "actor"), CASES, ids=[f"{k}|{f}|{a}" for k, f, a in CASES])
def test_export_as_actor(world, db, key, fmt, actor, django_capture_on_commit_callbacks):
    # given
    spec = next(s for s in export_specs() if s.key == key)
    expected = EXPECTED[key][ACTORS.index(actor)]
    client = Client()
    if actor in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    kwargs = dict.fromkeys(spec.url_kwargs, world.ids[OBJECTS[key]]) if key in OBJECTS else {}
    jobs_before = JobRun.objects.filter(kind="export.file").count()

    # when (the job's task runs in process once the request's transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse(spec.page, kwargs=kwargs), {"export": fmt, "period": "all"})

    # then
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        return
    if expected != OK:
        assert response.status_code == expected
        assert JobRun.objects.filter(kind="export.file").count() == jobs_before
        return
    if fmt == "pdf":
        assert response.status_code == 303
        job = JobRun.objects.filter(kind="export.file").latest("pk")
        assert response["Location"] == reverse("revops:export-status", args=[job.pk])
        assert job.started_by_id == world.actors[actor].user_id
        assert job.status == JobRun.Status.SUCCEEDED, job.error  # eager in tests
        response = client.get(reverse("revops:export-download", args=[job.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
    else:
        assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    text = text_of(response) + response["Content-Disposition"]  # a download streams once
    assert [word for word in world.forbidden(actor) if word in text] == []
    assert [word for word in SHOWN.get((key, actor), ()) if word not in text] == []
