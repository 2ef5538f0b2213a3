"""Time and size of each report (PDF and Excel) for a generated organization, against the CSV
export of the same ledger lines in the same process.

Run (against a scratch database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_reports DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/reports.py [--deals 5000] [--events 20000] [--reports executive,...]

Builds the organization of bench/backup.py (`--deals` deals on one account per ten deals,
50 partners, `--events` revenue events over 2026, one ledger entry per event), then, for each
report, builds it with the admin's scope (`revops.services.reports.report_build`, what the job
calls) and renders it with `report_bytes` to PDF and to Excel: seconds and file size. The
baseline is the ledger page's CSV export of every line (`attribution-ledger`, the same rows the
audit trail lists) in the same process. The audit trail lists every ledger line and audit
event, so it grows with the ledger; the other reports hold aggregates and the 25 largest deals.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402

from revops.export_registry import export_spec  # noqa: E402
from revops.models import Membership, Opportunity, Role  # noqa: E402
from revops.reports.kit import ReportParams  # noqa: E402
from revops.services.exports import export_file_bytes  # noqa: E402
from revops.services.reports import report_build, report_bytes  # noqa: E402

REPORTS = {
    "executive": "this_fiscal_year",
    "partner-performance": "this_fiscal_year",
    "account-drilldown": "all",
    "audit-trail": "all",
}


def _backup_bench():
    spec = importlib.util.spec_from_file_location("bench_backup", BASE_DIR / "bench" / "backup.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=5000)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reports", default=",".join(REPORTS))
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    org = _backup_bench().build(args.deals, args.events, args.seed)
    print(
        f"built {args.deals:,} deals, {args.events:,} revenue events and ledger lines in "
        f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.1f}"
    )
    admin = Membership.objects.select_related("organization", "user").get(organization=org, role=Role.ADMIN)
    largest = (
        Opportunity.objects.filter(organization=org)
        .values("account_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    started = time.perf_counter()
    data = export_spec("attribution-ledger").build(membership=admin, params=QueryDict())
    csv, _ = export_file_bytes(data=data, fmt="csv", organization_name=org.name)
    baseline = time.perf_counter() - started
    print(
        f"baseline: ledger CSV export of {data.row_count:,} lines {baseline:.2f} s, {len(csv) / 1e6:.1f} MB"
    )
    print(
        "| report | lines in tables | PDF | PDF size | Excel | Excel size | PDF / CSV baseline | peak RSS |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for key in args.reports.split(","):
        params = ReportParams(REPORTS[key], largest["account_id"] if key == "account-drilldown" else None)
        times, sizes = {}, {}
        rows = 0
        for fmt in ("pdf", "xlsx"):
            started = time.perf_counter()
            report = report_build(membership=admin, key=key, params=params)
            content = report_bytes(report, fmt)
            times[fmt], sizes[fmt] = time.perf_counter() - started, len(content)
            rows = report.row_count
        print(
            f"| {key} | {rows:,} | {times['pdf']:.1f} s | {sizes['pdf'] / 1e6:.2f} MB | {times['xlsx']:.1f} s | "
            f"{sizes['xlsx'] / 1e6:.2f} MB | {times['pdf'] / baseline:.2f}× | {peak_rss_mb():.0f} MB |",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
