"""Feed the hostile-imports corpus, a 50 MB file, a 1,000,000-row file and an XLSX zip bomb
through the import job door, and print per file the outcome, the time to the outcome and the
peak memory of the process that ran it.

Run:

    .venv/bin/python bench/hostile_imports.py [--kind opportunities] [--rows 1000000] [--mb 50]
        [--only NAME,NAME] [--sqlite-path var/bench/hostile.sqlite3] [--confirm]

Migrates a scratch SQLite file, creates an organization with the account, product line and
rep the files refer to, then, for each file, forks a child process that submits it as a
preview job (`import_submit`) and runs the job as the worker would (`import_job_run`). Each
file is written to disk first (the large ones as a stream) and read by its child, which
reports its peak RSS (`ru_maxrss`) and how much that is above its RSS when it started
("added"): one file's peak never hides the next one's. Bounded: the largest file is `--rows` rows; the zip bomb declares 2 GB.

`--confirm` runs the confirm instead (the apply job's `import_apply` on the accepted large
file, rolled back after): once as it is (planned and written a chunk at a time) and once, as
the baseline in the same run, the way it was (every row planned, then all written), each in its
own child; it prints the peak RSS of each.

Target: a hostile file is refused in at most 10 s. A file whose only bad row is its last one
must be read to the end, so its time is the time to read it; it is printed as such, with the
time of the same file without the bad row for comparison (the ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.test")


def _write_rows(path: Path, sample, count: int, *, extra: str = "", bad_last: bool = False) -> None:
    """A CSV of `count` valid rows (plus a `notes` column of `extra`), written as a stream."""
    import csv

    columns = [*sample.columns, *(["notes"] if extra else [])]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for n in range(1, count + 1):
            row = {**sample.row(n), "notes": extra}
            if bad_last and n == count:
                row[sample.money] = "ten"
            writer.writerow([row.get(c, "") for c in columns])


def _big_files(sample, rows: int, megabytes: int, folder: Path):
    """(name, path, profile) of the large files, written to `folder` one at a time when asked."""
    from tests.imports.corpus import zip_bomb

    note = "n" * 2000
    per_row = len(",".join(sample.row(1).values())) + len(note) + 4
    wide = megabytes * 1024 * 1024 // per_row

    def size_file(path: Path) -> None:
        _write_rows(path, sample, wide, extra=note, bad_last=True)

    def valid(path: Path) -> None:
        _write_rows(path, sample, rows)

    def last_bad(path: Path) -> None:
        _write_rows(path, sample, rows, bad_last=True)

    def bomb(path: Path) -> None:
        path.write_bytes(zip_bomb(sample, megabytes=2048))

    return [
        ("xlsx_zip_bomb_2gb", bomb, {"format": "xlsx"}, folder / "bomb.xlsx"),
        (f"size_{megabytes}mb_last_row_bad", size_file, None, folder / "size.csv"),
        (f"rows_{rows}_valid", valid, None, folder / "rows_valid.csv"),
        (f"rows_{rows}_last_row_bad", last_bad, None, folder / "rows_bad.csv"),
    ]


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _run_child(org_id: int, user_id: int, kind: str, path: Path, profile: dict | None):
    """Read the file, submit it and run its preview job in a forked child; its figures."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        from django.db import connections

        for connection in connections.all():
            connection.close()
        from revops.imports.profiles import ProfileSpec
        from revops.models import Organization, User
        from revops.services.imports import Mode, import_job_run, import_submit

        at_start = _rss_kib()
        cpu_at_start = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        start = time.perf_counter()
        job, _ = import_submit(
            organization=Organization.objects.get(pk=org_id),
            actor=User.objects.get(pk=user_id),
            kind_name=kind,
            content=path.read_bytes(),
            filename=path.name,
            spec=ProfileSpec.model_validate(profile or {}),
            mode=Mode.PREVIEW,
            run_key=str(time.time_ns()),
        )
        job = import_job_run(job_run_id=job.pk)
        seconds = time.perf_counter() - start
        result = {
            "status": job.status,
            "error": (job.error.splitlines() or [""])[0][:80],
            "rows": job.counts.get("rows", 0),
            "seconds": seconds,
            "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu_at_start,
            "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "start_kib": at_start,
        }
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def _apply_whole(*, kind, organization, actor, content: bytes, spec):
    """The confirm as it was before it wrote a chunk at a time: plan every row, then write."""
    from django.db import transaction

    from revops.imports.errors import ImportRefused
    from revops.imports.kinds import ImportSource
    from revops.imports.pipeline import import_prepare

    prepared = import_prepare(kind=kind, organization=organization, content=content, spec=spec)
    if prepared.preview.error_count:
        raise ImportRefused(prepared.preview.errors, total=prepared.preview.error_count)
    with transaction.atomic():
        kind.write(
            organization=organization,
            actor=actor,
            rows=prepared.planned,
            context=prepared.context,
            progress=lambda done, total: None,
            source=ImportSource(),
        )
    return prepared.preview


def _confirm_child(org_id: int, user_id: int, kind_name: str, path: Path, *, whole: bool) -> dict:
    """Run the confirm's apply on the file in a forked child (rolled back); its figures."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        from django.db import connections, transaction

        for connection in connections.all():
            connection.close()
        from revops.imports.kinds import import_kind_get
        from revops.imports.pipeline import import_apply
        from revops.models import Organization, User

        kind = import_kind_get(kind_name)
        at_start = _rss_kib()
        cpu_at_start = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
        start = time.perf_counter()
        apply = _apply_whole if whole else import_apply
        with transaction.atomic():
            preview = apply(
                kind=kind,
                organization=Organization.objects.get(pk=org_id),
                actor=User.objects.get(pk=user_id),
                content=path.read_bytes(),
                spec=kind.default_profile,
            )
            transaction.set_rollback(True)
        result = {
            "rows": preview.rows,
            "created": preview.counts.get("create", 0),
            "seconds": time.perf_counter() - start,
            "cpu": sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu_at_start,
            "peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "start_kib": at_start,
        }
        os.write(write, json.dumps(result).encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks))


def confirm_bench(org_id: int, user_id: int, kind: str, sample, rows: int, folder: Path) -> None:
    """Peak memory of the confirm of the valid `rows`-row file: a chunk at a time vs whole."""
    target = folder / f"rows_{rows}_valid.csv"
    _write_rows(target, sample, rows)
    print(f"confirm of {target.name} ({target.stat().st_size / 1e6:.1f} MB), rolled back after")
    print(
        f"{'confirm':34} {'rows':>8} {'created':>8} {'seconds':>8} {'CPU s':>7} {'peak MiB':>8} {'added':>6}"
    )
    for label, whole in (
        ("before: every row planned, then written", True),
        ("after: a chunk at a time", False),
    ):
        r = _confirm_child(org_id, user_id, kind, target, whole=whole)
        print(
            f"{label[:34]:34} {r['rows']:>8} {r['created']:>8} {r['seconds']:8.2f} {r['cpu']:7.2f} "
            f"{r['peak_kib'] / 1024:8.0f} {(r['peak_kib'] - r['start_kib']) / 1024:6.0f}",
            flush=True,
        )
    target.unlink()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", default="opportunities", choices=["opportunities", "revenue_events"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--only", default="", help="Comma-separated file names to run (default: all).")
    parser.add_argument("--sqlite-path", default="var/bench/hostile.sqlite3")
    parser.add_argument("--confirm", action="store_true", help="Measure the confirm of the valid large file.")
    args = parser.parse_args()
    path = ROOT / args.sqlite_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.environ["TEST_SQLITE_PATH"] = str(path)
    os.environ["TEST_DATABASE_URL"] = ""

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.MEDIA_ROOT = str(path.parent / "hostile-media")
    call_command("migrate", verbosity=0)
    from revops.models import Account, Membership, Organization, ProductLine, Role, User
    from tests.imports.corpus import corpus
    from tests.imports.test_corpus import SAMPLES

    org = Organization.objects.create(name="Acme", slug="acme")
    manager = User.objects.create_user(email="manager@acme.test", password="x")
    rep = User.objects.create_user(email="rep1@acme.test", password="x")
    Membership.objects.create(organization=org, user=manager, role=Role.ADMIN)
    Membership.objects.create(organization=org, user=rep, role=Role.REP)
    Account.objects.create(organization=org, name="Initech", external_id="ACC-1")
    ProductLine.objects.create(organization=org, name="Analytics", code="analytics")

    sample = SAMPLES[args.kind]
    folder = path.parent / "hostile-files"
    folder.mkdir(exist_ok=True)
    if args.confirm:
        print(f"kind {args.kind}; load average {os.getloadavg()}", flush=True)
        confirm_bench(org.pk, manager.pk, args.kind, sample, args.rows, folder)
        print(f"load average {os.getloadavg()}")
        return

    def small(case):
        def build(target: Path) -> None:
            target.write_bytes(case.build(sample))

        return build

    # The large files first: they are what the bench is for.
    files = _big_files(sample, args.rows, args.mb, folder) + [
        (c.name, small(c), c.profile, folder / f"{c.name}{Path(c.filename).suffix}")
        for c in corpus()
        if not c.big
    ]
    only = set(filter(None, args.only.split(",")))
    print(
        f"kind {args.kind}; parent RSS {_rss_kib() / 1024:.0f} MiB; load average {os.getloadavg()}",
        flush=True,
    )
    print(
        f"{'file':30} {'MB':>7} {'outcome':8} {'rows':>8} {'seconds':>8} {'CPU s':>7} {'peak MiB':>8} {'added':>6}  first error"
    )
    results = {}
    for name, build, profile, target in files:
        if only and name not in only:
            continue
        build(target)
        size = target.stat().st_size
        result = _run_child(org.pk, manager.pk, args.kind, target, profile)
        target.unlink()
        results[name] = result
        outcome = "accepted" if result["status"] == "succeeded" else "refused"
        print(
            f"{name:30} {size / 1e6:7.2f} {outcome:8} {result['rows']:>8} {result['seconds']:8.2f} {result['cpu']:7.2f} "
            f"{result['peak_kib'] / 1024:8.0f} {(result['peak_kib'] - result['start_kib']) / 1024:6.0f}  "
            f"{result['error']}",
            flush=True,
        )
    refused = [r for r in results.values() if r["status"] != "succeeded"]
    slow = [n for n, r in results.items() if r["status"] != "succeeded" and r["seconds"] > 10]
    print(
        f"refused {len(refused)} of {len(results)}; slowest refusal "
        f"{max((r['seconds'] for r in refused), default=0):.2f} s; over 10 s: {', '.join(slow) or 'none'}"
    )
    valid, bad = results.get(f"rows_{args.rows}_valid"), results.get(f"rows_{args.rows}_last_row_bad")
    if valid and bad:
        print(f"{args.rows} rows, last row bad vs valid: {bad['seconds'] / valid['seconds']:.2f}x the time")


if __name__ == "__main__":
    main()
