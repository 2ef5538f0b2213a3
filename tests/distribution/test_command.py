"""manage.py dailydist: options, exit codes, dry runs that change nothing, reports, step mode."""

import json
import os
import pty
import select
import threading
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from distribution.models import DistributionRun, Lead, LeadAssignment
from tests.distribution.conftest import ROUND_ROBIN, TODAY
from tests.distribution.factories import LeadFactory


def _snapshot(org):
    return (
        Lead.objects.count(),
        LeadAssignment.objects.count(),
        sorted(
            Lead.objects.filter(organization=org).values_list("pk", "owner_id", "assigned_at", "updated_at")
        ),
    )


def _run(*args, stdin=None) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("dailydist", *args, stdout=out, stderr=StringIO(), stdin=stdin)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)
    return 0, out.getvalue()


WEB = "campaign: {{name: Daily}}\nlead_finding:\n  web_sources: {}\ndistribution: {{strategy: round_robin}}\n"


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "daily.yaml"
    path.write_text(ROUND_ROBIN)
    return path


def test_applied_run_assigns_every_lead_round_robin(org, floor, rep, other_rep, config_file):
    # when
    code, out = _run("--config", str(config_file), "--org", "acme", "--today", TODAY.isoformat())
    # then
    assert code == 0
    assert "10 assigned, 0 excluded, 0 with no eligible rep" in out
    owners = list(Lead.objects.filter(organization=org).values_list("owner_id", flat=True))
    assert sorted(owners) == sorted([rep.user_id] * 5 + [other_rep.user_id] * 5)
    assert LeadAssignment.objects.filter(organization=org).count() == 10
    run = DistributionRun.objects.get()
    assert (run.mode, run.status, run.counts) == (
        "applied",
        "applied",
        {"assigned": 10, "excluded": 0, "unassigned": 0},
    )
    assert {r["rep_id"]: (r["before"], r["after"]) for r in run.reps} == {
        rep.user_id: (0, 5),
        other_rep.user_id: (0, 5),
    }


def test_dry_run_changes_nothing(org, floor, config_file):
    # given
    before = _snapshot(org)
    # when
    code, out = _run("--config", str(config_file), "--org", "acme", "--dry-run", "--today", TODAY.isoformat())
    # then
    assert code == 0
    assert "Dry run" in out
    assert _snapshot(org) == before
    run = DistributionRun.objects.get()
    assert (run.mode, run.status, len(run.preview)) == ("dry_run", "planned", 10)


@pytest.mark.parametrize(
    ("_case", "text", "expected"),
    [
        ("unknown_key", ROUND_ROBIN + "colour: red\n", "colour: unknown key"),
        ("wrong_type", ROUND_ROBIN.replace("seed: 1", "seed: one"), "distribution.seed:"),
        ("unknown_strategy", ROUND_ROBIN.replace("round_robin", "fastest"), "distribution.strategy:"),
        (
            "bad_regex",
            WEB.format("{match: regex, values: ['(']}"),
            "lead_finding.web_sources.values.0: bad regular",
        ),
        ("missing_file", WEB.format("{file: nope.txt}"), "lead_finding.web_sources.file: file not found"),
    ],
)
def test_bad_config_exits_2_names_the_path_and_writes_nothing(org, floor, tmp_path, _case, text, expected):
    # given
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    before = _snapshot(org)
    # when
    code, out = _run("--config", str(path), "--org", "acme")
    # then
    assert code == 2
    assert expected in out
    assert _snapshot(org) == before
    assert DistributionRun.objects.count() == 0


def test_missing_config_file_exits_2(org, tmp_path):
    code, out = _run("--config", str(tmp_path / "nope.yaml"), "--org", "acme")
    assert (code, "config file not found: nope.yaml" in out) == (2, True)


def test_nothing_to_do_exits_3(org, rep, config_file):
    code, out = _run("--config", str(config_file), "--org", "acme", "--today", TODAY.isoformat())
    assert code == 3
    assert "Nothing to do" in out


def test_config_name_and_state_carry_round_robin_between_runs(org, floor, saved_config, rep, other_rep):
    # given the first run gives 10 leads A B A B ...
    code, _ = _run("--config-name", "Daily", "--org", "acme", "--today", TODAY.isoformat())
    assert code == 0
    saved_config.refresh_from_db()
    last = saved_config.state["last_rep_id"]
    # when one more lead comes in
    new = LeadFactory(organization=org)
    code, _ = _run("--config-name", "Daily", "--org", "acme", "--today", TODAY.isoformat())
    # then it goes to the rep after the last one
    new.refresh_from_db()
    assert code == 0
    assert new.owner_id == ({rep.user_id, other_rep.user_id} - {last}).pop()
    assert DistributionRun.objects.filter(config=saved_config).count() == 2
    assert DistributionRun.objects.first().config_version.version == 1


def test_max_leads_and_override_date_range(org, floor, config_file):
    old = LeadFactory(organization=org, received_at="2025-01-05T10:00:00+00:00")
    code, out = _run(
        "--config",
        str(config_file),
        "--org",
        "acme",
        "--dry-run",
        "--max-leads",
        "3",
        "--today",
        TODAY.isoformat(),
    )
    assert "3 assigned, 8 excluded" in out
    code, out = _run(
        "--config",
        str(config_file),
        "--org",
        "acme",
        "--dry-run",
        "--override-date-range",
        "2025-01-01,2025-01-31",
        "--today",
        TODAY.isoformat(),
    )
    assert "1 assigned, 10 excluded" in out
    assert DistributionRun.objects.first().preview[0]["lead_id"] == old.pk
    code, out = _run("--config", str(config_file), "--org", "acme", "--override-date-range", "2025-13-01,x")
    assert code == 2
    assert "--override-date-range" in out


def test_force_round_robin_overrides_the_strategy(org, floor, tmp_path):
    path = tmp_path / "levels.yaml"
    path.write_text(
        "campaign: {name: L}\ndistribution:\n  strategy: level_based\n  levels: {senior: {target_leads: 1}}\n"
    )
    code, out = _run("--config", str(path), "--org", "acme", "--dry-run", "--today", TODAY.isoformat())
    assert code == 0
    assert "2 assigned, 0 excluded, 8 with no eligible rep" in out
    code, out = _run(
        "--config",
        str(path),
        "--org",
        "acme",
        "--dry-run",
        "--force-round-robin",
        "--today",
        TODAY.isoformat(),
    )
    assert "10 assigned" in out


@pytest.mark.parametrize("fmt", ["json", "csv", "html"])
def test_reports(org, floor, config_file, tmp_path, fmt):
    report = tmp_path / f"report.{fmt}"
    code, _ = _run(
        "--config",
        str(config_file),
        "--org",
        "acme",
        "--dry-run",
        "--generate-report",
        "--report-format",
        fmt,
        "--report-output",
        str(report),
        "--today",
        TODAY.isoformat(),
    )
    text = report.read_text()
    assert code == 0
    if fmt == "json":
        data = json.loads(text)
        assert len(data["assignments"]) == 10
        assert data["fairness"]["gini"] == 0.0
    elif fmt == "csv":
        assert text.count("\nassignment,") == 10
    else:
        assert "<h1>Distribution run" in text
        assert text.count("round robin") + text.count("rotation") >= 10


@pytest.mark.parametrize("template", ["basic", "advanced", "minimal"])
def test_generate_config_writes_a_valid_template(tmp_path, template, db):
    out = tmp_path / "gen.yaml"
    code, _ = _run("--generate-config", "--template", template, "--campaign", "Spring", "--output", str(out))
    assert code == 0
    assert 'campaign:\n  name: "Spring"' in out.read_text()


def test_step_mode_auto_accept_applies(org, floor, config_file):
    code, out = _run(
        "--config",
        str(config_file),
        "--org",
        "acme",
        "--step-mode",
        "--auto-accept",
        "--today",
        TODAY.isoformat(),
    )
    assert code == 0
    assert out.count("accepted (--auto-accept)") == 5
    assert LeadAssignment.objects.count() == 10


def _through_pty(args: list[str], answers: str) -> tuple[int, str]:
    """Run the command with a pseudo-terminal as its input and output; type `answers`.

    The command runs in this thread (it needs the test's database connection); a helper
    thread drains the terminal so a long table never blocks the command's writes.
    """
    master, slave = pty.openpty()
    tty_in = os.fdopen(slave, "r", closefd=False)
    tty_out = os.fdopen(os.dup(slave), "w")
    chunks: list[bytes] = []
    done = threading.Event()

    def drain():
        while not done.is_set() or select.select([master], [], [], 0)[0]:
            if select.select([master], [], [], 0.05)[0]:
                chunks.append(os.read(master, 65536))

    os.write(master, answers.encode())
    reader = threading.Thread(target=drain)
    reader.start()
    try:
        call_command("dailydist", *args, stdout=tty_out, stdin=tty_in)
        code = 0
    except CommandError as exc:
        code = exc.returncode
    tty_out.flush()
    done.set()
    reader.join()
    tty_out.close()
    os.close(master)
    os.close(slave)
    return code, b"".join(chunks).decode()


def test_step_mode_n_stops_without_writing(org, floor, config_file):
    # given
    before = _snapshot(org)
    # when the operator accepts two steps and refuses the third
    code, out = _through_pty(
        ["--config", str(config_file), "--org", "acme", "--step-mode", "--today", TODAY.isoformat()],
        "y\n\nn\n",
    )
    # then
    assert code == 4
    assert "Step 3/5: workload analysis" in out
    assert "Step 4/5" not in out
    assert _snapshot(org) == before
    assert DistributionRun.objects.count() == 0


def test_step_mode_yes_to_every_step_applies(org, floor, config_file):
    code, out = _through_pty(
        ["--config", str(config_file), "--org", "acme", "--step-mode", "--today", TODAY.isoformat()],
        "y\ny\ny\ny\ny\n",
    )
    assert code == 0
    assert "Step 5/5: application" in out
    assert LeadAssignment.objects.count() == 10
