"""Production settings pass Django's deployment checks and refuse to start without secrets."""

import os
import secrets
import subprocess
import sys

from django.conf import settings

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "revops.settings.production",
    "DJANGO_ALLOWED_HOSTS": "revops.example.com",
    "DATABASE_URL": "postgres://revops:secret@db.internal:5432/revops",
    "LEDGER_HMAC_KEYS": f"k1:{secrets.token_urlsafe(40)}",
    "LEDGER_HMAC_CURRENT_KEY": "k1",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_", "TEST_"))}
    return subprocess.run(  # noqa: S603 - fixed argument list, no shell
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_gives_no_warnings():
    # given
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(60)}

    # when
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNINGS" not in result.stderr


def test_production_refuses_a_short_secret_key():
    # given
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "too-short"}

    # when
    result = manage("check", env=env)

    # then
    assert result.returncode == 1
    assert "DJANGO_SECRET_KEY must be set to a random value of 50+ characters" in result.stderr
    assert result.stdout == ""


def test_production_refuses_to_start_without_ledger_keys():
    # given: no ledger keys (the development default must not reach production either)
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(60)}
    del env["LEDGER_HMAC_KEYS"]

    # when
    result = manage("check", env=env)

    # then
    assert result.returncode == 1
    assert "LEDGER_HMAC_KEYS and LEDGER_HMAC_CURRENT_KEY must be set (ledger chain keys)" in result.stderr
    assert result.stdout == ""


def test_management_commands_print_no_axes_banner():
    # given: the development settings, as `make run` uses them
    env = {"DJANGO_SETTINGS_MODULE": "revops.settings.local"}

    # when
    result = manage("check", env=env)

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "AXES" not in result.stderr


def test_development_server_serves_static_files_compressed(tmp_path):
    # given: static files collected the way `make run` collects them
    env = {"DJANGO_SETTINGS_MODULE": "revops.settings.local", "DJANGO_STATIC_ROOT": str(tmp_path)}

    # when
    result = manage("collectstatic", "--noinput", "--verbosity", "0", env=env)

    # then: WhiteNoise serves the gzip file next to each large asset (it does not use finders)
    assert result.returncode == 0, result.stderr
    bundle = tmp_path / "plotly" / "plotly.min.js"
    gzipped = tmp_path / "plotly" / "plotly.min.js.gz"
    assert gzipped.exists()
    assert gzipped.stat().st_size < bundle.stat().st_size / 2
