"""`Idempotency-Key` on API writes: one effect, the same answer, refused when reused otherwise."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from revops.models import Account, IdempotencyKey
from revops.services.tokens import api_token_create
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ACCOUNT = {"name": "Initech", "domain": "initech.example", "segment": "smb", "region": "emea"}


def _bearer(membership, name="ci") -> APIClient:
    _, key = api_token_create(
        organization=membership.organization, user=membership.user, name=name, acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _post(client, body, key, path="/api/v1/accounts/"):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_create_runs_once_and_gets_the_same_answer(admin):
    # given
    client = _bearer(admin)
    first = _post(client, ACCOUNT, "create-initech-1")
    # when the client retries with the same key
    again = _post(client, ACCOUNT, "create-initech-1")
    # then one account, the same answer, marked as replayed
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Account.objects.filter(organization=admin.organization).count() == 1


def test_the_key_with_a_different_body_is_refused_and_nothing_is_written(admin):
    # given
    client = _bearer(admin)
    _post(client, ACCOUNT, "k-1")
    # when
    other = _post(client, {**ACCOUNT, "name": "Globex"}, "k-1")
    # then
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert list(Account.objects.values_list("name", flat=True)) == ["Initech"]


def test_keys_belong_to_their_caller(admin):
    # given two tokens of the same admin, and a session client
    first, second = _bearer(admin, "one"), _bearer(admin, "two")
    session = APIClient()
    session.force_login(admin.user)
    # when each sends the same key
    statuses = [
        _post(c, {**ACCOUNT, "name": f"Co {i}"}, "same").status_code
        for i, c in enumerate([first, second, session])
    ]
    # then each request ran
    assert statuses == [201, 201, 201]
    assert Account.objects.count() == 3


def test_a_validation_error_is_kept_and_a_refusal_releases_the_key(admin):
    # given
    client = _bearer(admin)
    bad = _post(client, {"name": ""}, "bad-1")
    # when the same bad request is retried
    again = _post(client, {"name": ""}, "bad-1")
    # then the same 400 comes back without running again
    assert (bad.status_code, again.status_code, again["Idempotent-Replayed"]) == (400, 400, "true")
    assert again.json() == bad.json()
    # and a request the caller may not make is not remembered: the key stays free
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer rvp_not-a-token")
    refused = _post(stranger, ACCOUNT, "create-2")
    assert refused.status_code == 401
    assert not IdempotencyKey.objects.filter(key="create-2").exists()
    assert _post(client, ACCOUNT, "create-2").status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_a_malformed_key_is_a_400_and_nothing_runs(admin, key):
    # when
    response = APIClient(HTTP_AUTHORIZATION=_bearer(admin)._credentials["HTTP_AUTHORIZATION"]).post(
        "/api/v1/accounts/", ACCOUNT, format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    # then
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert Account.objects.count() == 0
    assert IdempotencyKey.objects.count() == 0


def test_without_the_header_nothing_changes(admin):
    client = _bearer(admin)
    assert client.post("/api/v1/accounts/", ACCOUNT, format="json").status_code == 201
    assert client.post("/api/v1/accounts/", {**ACCOUNT, "name": "Globex"}, format="json").status_code == 201
    assert Account.objects.count() == 2
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.usefixtures("flushable_db")
def test_twenty_concurrent_requests_with_one_key_create_one_account(admin):
    # given twenty threads, each with its own connection, sending the same request and key
    client_auth = _bearer(admin)._credentials["HTTP_AUTHORIZATION"]
    barrier = threading.Barrier(20)
    results: list[tuple[int, bool]] = []
    lock = threading.Lock()

    def send():
        try:
            barrier.wait()
            response = APIClient(HTTP_AUTHORIZATION=client_auth).post(
                "/api/v1/accounts/", ACCOUNT, format="json", HTTP_IDEMPOTENCY_KEY="burst-1"
            )
            with lock:
                results.append((response.status_code, response.get("Idempotent-Replayed") == "true"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    # when
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one request created the account; the others were replayed or told to wait
    assert Account.objects.filter(organization=admin.organization).count() == 1
    assert len(results) == 20
    assert set(results) <= {(201, False), (201, True), (409, False)}
    assert results.count((201, False)) == 1
