"""The Salesforce connector against the fake Salesforce (HTTPS on 127.0.0.1), through simple-salesforce."""

import pytest

from revops.connectors.errors import ConnectorError
from revops.connectors.salesforce import SalesforceClient, SalesforceSpec


def _client(fake, **kw) -> SalesforceClient:
    spec = SalesforceSpec(
        instance_url=fake.url, session_id="sf-secret-session", ca_file=fake.ca_file, backoff_seconds=0, **kw
    )
    slept: list[float] = []
    client = SalesforceClient.from_spec(spec)
    client._sleep = slept.append
    client.slept = slept
    return client


def _leads(fake, n):
    return [
        fake.store.insert("Lead", {"LastName": f"L{i:04d}", "Company": "Co", "Status": "Open"})
        for i in range(n)
    ]


def test_query_follows_next_records_url(fake_salesforce):
    ids = _leads(fake_salesforce, 450)
    client = _client(fake_salesforce)
    rows = list(client.query_iter("SELECT Id, LastName FROM Lead WHERE Status = 'Open' ORDER BY LastName"))
    assert [r["Id"] for r in rows] == ids
    assert rows[0] == {"Id": ids[0], "LastName": "L0000"}
    gets = [path.split("?")[0] for method, path in fake_salesforce.calls if method == "GET"]
    assert gets[0] == "/services/data/v59.0/query/"
    assert len(gets) == 3 and all("/query/01g" in g for g in gets[1:])


def test_tls_is_verified_against_the_given_ca(fake_salesforce):
    spec = SalesforceSpec(instance_url=fake_salesforce.url, session_id="sf-secret-session", max_retries=0)
    client = SalesforceClient.from_spec(spec)  # the system's CAs do not know the fake's certificate
    with pytest.raises(ConnectorError, match="Salesforce is unreachable: SSLError"):
        client.describe("Lead")


def test_update_many_sends_collections_of_200_with_per_record_outcomes(fake_salesforce):
    ids = _leads(fake_salesforce, 450)
    owner = fake_salesforce.add_user("rep@acme.test")
    fake_salesforce.invalid[ids[7]] = ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Company must be set")
    client = _client(fake_salesforce)
    results = client.update_many("Lead", [{"Id": i, "OwnerId": owner} for i in ids])
    assert list(fake_salesforce.writes()) == [("PATCH", "/services/data/v59.0/composite/sobjects")] * 3
    assert [r for r in results if not r.ok] == [
        (ids[7], False, "FIELD_CUSTOM_VALIDATION_EXCEPTION: Company must be set")
    ]
    owners = {rid: rec["OwnerId"] for rid, rec in fake_salesforce.store.records["Lead"].items()}
    assert owners == {i: (None if i == ids[7] else owner) for i in ids}


def test_rate_limit_is_retried_with_backoff(fake_salesforce):
    _leads(fake_salesforce, 3)
    fake_salesforce.fail_next(2)
    client = _client(fake_salesforce)
    rows = list(client.query_iter("SELECT Id FROM Lead"))
    assert len(rows) == 3
    assert client.calls == 3 and client.slept == [0, 0]


def test_server_errors_beyond_the_budget_raise_one_clear_error(fake_salesforce):
    ids = _leads(fake_salesforce, 2)
    fake_salesforce.fail_next(3, status=503, code="SERVER_UNAVAILABLE", message="Service Unavailable")
    client = _client(fake_salesforce, max_retries=2)
    with pytest.raises(ConnectorError) as info:
        client.update_many("Lead", [{"Id": i, "OwnerId": "005x"} for i in ids])
    assert (
        str(info.value)
        == "Salesforce answered HTTP 503 SERVER_UNAVAILABLE: Service Unavailable (gave up after 3 attempts)"
    )
    assert all(rec["OwnerId"] is None for rec in fake_salesforce.store.records["Lead"].values())


def test_bad_query_is_not_retried(fake_salesforce):
    client = _client(fake_salesforce)
    with pytest.raises(ConnectorError, match="MALFORMED_QUERY: No such column 'Nope'"):
        list(client.query_iter("SELECT Nope FROM Lead"))
    assert client.calls == 1


def test_username_password_token_login(fake_salesforce):
    fake_salesforce.add_user("sync@acme.test", password="pw-secret", token="TOKEN1")
    spec = SalesforceSpec(
        username="sync@acme.test",
        password="pw-secret",
        security_token="TOKEN1",
        login_url=fake_salesforce.url,
        ca_file=fake_salesforce.ca_file,
    )
    client = SalesforceClient.from_spec(spec)
    assert client.describe("Lead")["keyPrefix"] == "00Q"
    bad = SalesforceSpec(
        username="sync@acme.test",
        password="nope-secret",
        security_token="X",
        login_url=fake_salesforce.url,
        ca_file=fake_salesforce.ca_file,
    )
    with pytest.raises(ConnectorError) as info:
        SalesforceClient.from_spec(bad)
    assert str(info.value) == "Salesforce refused the login: INVALID_LOGIN"
    assert "nope-secret" not in repr(bad)
