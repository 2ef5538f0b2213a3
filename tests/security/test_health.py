"""The health endpoint: database and broker, 200 or 503, nothing else said."""

import socket

import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthy_without_a_broker(client):
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "in process"}
    assert response["Cache-Control"] == "no-store"


def test_a_real_broker_on_localhost_is_checked(client, settings):
    # given: the Redis the project runs on 127.0.0.1:6379
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    # when / then
    assert client.get("/healthz/").json()["broker"] == "ok"


def test_an_unreachable_broker_is_a_503(client, settings):
    # given: a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    # when
    response = client.get("/healthz/")
    # then
    assert response.status_code == 503
    assert response.json() == {"status": "failed", "database": "ok", "broker": "failed"}


def test_a_failing_database_is_a_503(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["database"] == "failed"


def test_only_get(client):
    assert client.post("/healthz/").status_code == 405
