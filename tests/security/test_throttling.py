"""API tokens are rate-limited per token, with Retry-After; sessions are not counted."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from revops.api.throttling import TokenRateThrottle, TokenWriteRateThrottle
from revops.models import Account
from revops.services.tokens import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _low_rates(monkeypatch):
    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "3/min", "token_write": "1/min"})
    monkeypatch.setattr(TokenWriteRateThrottle, "THROTTLE_RATES", {"token": "3/min", "token_write": "1/min"})
    yield
    cache.clear()


def _token(membership, name="ci") -> APIClient:
    _, key = api_token_create(
        organization=membership.organization, user=membership.user, name=name, acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_a_token_over_its_rate_gets_429_with_retry_after(admin):
    # given
    client, other = _token(admin), _token(admin, name="other")
    # when
    statuses = [client.get("/api/v1/accounts/").status_code for _ in range(4)]
    refused = client.get("/api/v1/accounts/")
    # then: the fourth request in the minute is refused; another token is counted apart
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert other.get("/api/v1/accounts/").status_code == 200


def test_writes_have_their_own_lower_rate_and_a_refused_write_writes_nothing(admin):
    client = _token(admin)
    first = client.post("/api/v1/accounts/", {"name": "One"}, format="json")
    second = client.post("/api/v1/accounts/", {"name": "Two"}, format="json")
    assert (first.status_code, second.status_code) == (201, 429)
    assert "Retry-After" in second
    assert list(Account.objects.values_list("name", flat=True)) == ["One"]


def test_browser_sessions_are_not_counted_here(admin):
    client = APIClient()
    client.force_login(admin.user)
    assert {client.get("/api/v1/accounts/").status_code for _ in range(6)} == {200}
