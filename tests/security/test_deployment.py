"""Deployment files: the compose stack, the image's build-time command, production settings."""

import secrets

import yaml
from django.conf import settings

from tests.revops.test_settings import PRODUCTION_ENV, manage


def test_compose_runs_postgres_redis_web_worker_and_beat_from_one_image():
    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "redis", "web", "worker", "beat"}
    assert services["db"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker", "beat"):
        assert services[name]["build"] == "."
        assert services[name]["environment"]["CACHE_URL"].startswith("redis://")
        assert set(services[name]["depends_on"]) == {"db", "redis"}
    assert services["web"]["command"] == "gunicorn revops.wsgi"
    assert "worker" in services["worker"]["command"] and "beat" in services["beat"]["command"]


def test_the_image_checks_its_health_endpoint():
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    assert "/healthz/" in dockerfile
    assert "USER revops" in dockerfile


def test_check_deploy_with_the_compose_environment_gives_no_warnings():
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "CACHE_URL": "redis://redis:6379/1",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "REVOPS_TRUSTED_PROXY_COUNT": "1",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_refuses_a_per_process_cache():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(60), "CACHE_URL": "locmemcache://x"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "CACHE_URL must name a shared cache" in result.stderr


def test_production_cookies_are_host_prefixed_and_secure():
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": secrets.token_urlsafe(60)}
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0, s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
        "True",
        "django.core.cache.backends.redis.RedisCache",
    ]
