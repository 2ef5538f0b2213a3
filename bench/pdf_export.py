"""PDF export time against the number of rows: it must grow linearly (the old HTML report did not).

Run: .venv/bin/python bench/pdf_export.py [--rows 1000,10000,100000]

Renders ledger-shaped rows (12 columns like the attribution ledger's audit report: numbers,
names, dates, money, a 60-character explanation on every seventh row) with
`revops.services.exports.export_file_bytes`, the function the export job calls, and, for each
size, the CSV of the same rows in the same process as the baseline. Prints rows, seconds,
milliseconds per row, PDF size, pages, the ratio PDF/CSV and the process's peak RSS; a linear
writer keeps ms/row flat as the rows grow tenfold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.test")

import django  # noqa: E402

django.setup()

from pypdf import PdfReader  # noqa: E402

from revops.export_registry import ExportData  # noqa: E402
from revops.exports import ExportTable  # noqa: E402
from revops.services.exports import export_file_bytes  # noqa: E402

HEADERS = (
    "#",
    "Revenue date",
    "Partner",
    "Role",
    "Kind",
    "Account",
    "Split %",
    "Amount",
    "Period",
    "Rule version",
    "Explanation",
    "Hash",
)


def rows(n: int):
    for i in range(n):
        yield (
            i + 1,
            dt.date(2026, 1 + i % 12, 1 + i % 28),
            f"Partner {i % 250}",
            "Referral",
            "Original",
            f"Account {i % 4000}",
            Decimal("12.50"),
            Decimal(i % 100_000) + Decimal("0.37"),
            f"2026-{1 + i % 12:02d}",
            f"Rule {i % 5} v{1 + i % 2}",
            "default split for referral partners on the deal"
            if i % 7
            else "rule: SI partners in EMEA get 20 % of services revenue",
            f"{i * 2654435761 % 16**12:012x}",
        )


def data(n: int) -> ExportData:
    return ExportData(
        filename="bench", title="Attribution ledger", tables=[ExportTable("Ledger", HEADERS, rows(n), n)]
    )


def measure(n: int) -> dict:
    started = time.perf_counter()
    _csv, _ = export_file_bytes(data=data(n), fmt="csv", organization_name="Bench")
    csv_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pdf_content, _ = export_file_bytes(data=data(n), fmt="pdf", organization_name="Bench")
    pdf_seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    pages = len(PdfReader(io.BytesIO(pdf_content)).pages)
    return {
        "rows": n,
        "pdf_s": pdf_seconds,
        "ms_per_row": 1000 * pdf_seconds / n,
        "pdf_mb": len(pdf_content) / 1e6,
        "pages": pages,
        "csv_s": csv_seconds,
        "ratio": pdf_seconds / csv_seconds,
        "peak_mb": peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    print(
        f"{'rows':>8} {'PDF s':>8} {'ms/row':>7} {'MB':>6} {'pages':>6} {'CSV s':>7} {'PDF/CSV':>8} {'max RSS MB':>10}"
    )
    results = []
    for n in sizes:
        r = measure(n)
        results.append(r)
        print(
            f"{r['rows']:>8,} {r['pdf_s']:>8.2f} {r['ms_per_row']:>7.3f} {r['pdf_mb']:>6.1f} {r['pages']:>6,} "
            f"{r['csv_s']:>7.2f} {r['ratio']:>8.1f} {r['peak_mb']:>10.0f}",
            flush=True,
        )
    first = results[0]
    for r in results[1:]:
        growth = r["pdf_s"] / first["pdf_s"]
        print(
            f"{r['rows'] // first['rows']}x the rows → {growth:.1f}x the time (linear: {r['rows'] / first['rows']:.0f}x)"
        )


if __name__ == "__main__":
    main()
