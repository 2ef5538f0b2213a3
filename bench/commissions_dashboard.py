"""Time the rep's commissions dashboard: one engine run per request against the two it made.

Run: .venv/bin/python bench/commissions_dashboard.py [--scale 0.25] [--repeat 20]
     [--database-url postgres://postgres@127.0.0.1:5432/revops_bench_x | --sqlite-path var/bench/x.sqlite3]

Creates a fresh database (an SQLite file, var/bench/commissions_dashboard.sqlite3 by default; with
--database-url a PostgreSQL database whose name must contain "bench", dropped and created again),
migrates it and seeds the "acme" demo organization at `--scale`. Then the rep with the most open
deals requests the dashboard `--repeat` times through django.test.Client, alternating (after
three warm-ups each) between:

- before: the page as it was, the year to date and the open pipeline each running the
  commission engine (`rep_dashboard` then `expected_pipeline`), served from this script;
- after: the page as it is (`commissions:dashboard`, one engine run for both).

Prints median and p95 wall time, CPU time per request, queries per request and engine runs per
request for each, and checks that both pages show the same figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

from dashboard import prepare_database  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.25, help="demo seed scale")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sqlite-path", default="var/bench/commissions_dashboard.sqlite3")
    parser.add_argument(
        "--reuse-db",
        action="store_true",
        help="Keep the SQLite file an earlier run seeded (no migrate, no seed).",
    )
    return parser.parse_args()


def before_urlconf():
    """A URLconf serving the dashboard as it was (two engine runs) at /before/."""
    from django.urls import include, path

    from commissions import charts
    from commissions.permissions import CommissionCap
    from commissions.selectors.dashboard import rep_dashboard
    from commissions.selectors.pipeline import expected_pipeline
    from commissions.selectors.reps import rep_get, reps_in_scope
    from revops.htmx import render_page_or_partial
    from revops.permissions import cap_required
    from revops.selectors.periods import organization_today

    @cap_required(CommissionCap.VIEW)
    def dashboard_before(request):
        membership = request.membership
        reps = reps_in_scope(membership=membership)
        rep = rep_get(membership=membership, user_id=request.GET["rep"])
        today = organization_today(membership.organization)
        dashboard = rep_dashboard(membership=membership, rep=rep, today=today)
        context = {
            "reps": reps,
            "rep": rep,
            "dashboard": dashboard,
            "chart": charts.objective_vs_actual(dashboard.months),
            "pipeline": expected_pipeline(membership=membership, rep=rep, today=today),
        }
        return render_page_or_partial(
            request, "commissions/dashboard.html", "commissions/partials/dashboard_body.html", context
        )

    module = types.ModuleType("bench_commissions_urls")
    module.urlpatterns = [path("before/", dashboard_before), path("", include("revops.urls"))]
    return module


def main() -> None:
    args = parse_args()
    reuse = args.reuse_db and not args.database_url and (BASE_DIR / args.sqlite_path).exists()
    if reuse:
        os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings.test"
        os.environ["TEST_DATABASE_URL"] = f"sqlite:///{(BASE_DIR / args.sqlite_path).resolve()}"
        label = f"SQLite {args.sqlite_path} (reused)"
    else:
        label = prepare_database(args.database_url, args.sqlite_path)

    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client records each response's template context
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from commissions.selectors import inputs
    from revops.demo import seed_demo
    from revops.models import Membership, Opportunity, Role
    from revops.models.crm import OPEN_STAGES

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    seed_demo(seed=42, scale=args.scale, only=["acme"])
    print(
        f"Database: {label}; migrated and seeded (scale {args.scale}) in {time.perf_counter() - started:.1f} s"
    )

    top = (
        Opportunity.objects.filter(organization__slug="acme", stage__in=OPEN_STAGES, owner__isnull=False)
        .values("owner_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    admin = (
        Membership.objects.select_related("user").filter(organization__slug="acme", role=Role.ADMIN).first()
    )
    print(f"Rep user {top['owner_id']} with {top['n']} open deals; requested by {admin.user.email}")

    runs: list[int] = []
    real = inputs.compute_commissions

    def counted(**kwargs):
        runs.append(1)
        return real(**kwargs)

    inputs.compute_commissions = counted
    sys.modules["bench_commissions_urls"] = before_urlconf()
    client = Client()
    client.force_login(admin.user)
    query = f"?rep={top['owner_id']}"
    urls = {
        "before (two engine runs)": "/before/" + query,
        "after (one engine run)": reverse("commissions:dashboard") + query,
    }

    results: dict[str, dict[str, list[float]]] = {
        name: {"wall": [], "cpu": [], "queries": [], "runs": []} for name in urls
    }
    contexts = {}
    with override_settings(ROOT_URLCONF="bench_commissions_urls"):
        for url in urls.values():
            for _ in range(3):
                assert client.get(url).status_code == 200
        for _ in range(args.repeat):
            for name, url in urls.items():
                runs.clear()
                wall, cpu = time.perf_counter(), time.process_time()
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(url)
                results[name]["wall"].append((time.perf_counter() - wall) * 1000)
                results[name]["cpu"].append((time.process_time() - cpu) * 1000)
                results[name]["queries"].append(len(captured.captured_queries))
                results[name]["runs"].append(len(runs))
                assert response.status_code == 200
                contexts[name] = response.context
    print(f"{'page':<28} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms':>8} {'queries':>8} {'engine runs':>12}")
    for name, figures in results.items():
        wall = sorted(figures["wall"])
        p95 = wall[min(len(wall) - 1, round(0.95 * (len(wall) - 1)))]
        print(
            f"{name:<28} {statistics.median(wall):>8.1f} {p95:>8.1f} {statistics.median(figures['cpu']):>8.1f} "
            f"{statistics.median(figures['queries']):>8.0f} {statistics.median(figures['runs']):>12.0f}"
        )
    print(f"Load average after: {os.getloadavg()}")
    first, second = (contexts[name] for name in urls)
    same = first["dashboard"] == second["dashboard"] and first["pipeline"] == second["pipeline"]
    print(f"Same figures on both pages: {same}")
    if not same:
        sys.exit("The two pages show different figures.")


if __name__ == "__main__":
    main()
