"""The Odoo connector against the fake Odoo on 127.0.0.1, through xmlrpc.client."""

import pytest

from revops.connectors.errors import ConnectorError
from revops.connectors.odoo import OdooClient, OdooSpec


def _client(fake, **kw) -> OdooClient:
    spec = {
        "url": fake.url,
        "database": "acme",
        "username": "sync@acme.test",
        "password": "odoo-secret-pw",
        **kw,
    }
    return OdooClient(OdooSpec(**spec))


def test_authenticate_and_version(fake_odoo):
    client = _client(fake_odoo)
    assert client.version()["server_version"] == "17.0"
    assert client.uid == 1


def test_bad_password_is_refused_without_showing_it(fake_odoo):
    client = _client(fake_odoo, password="wrong-pw-123")
    with pytest.raises(ConnectorError) as info:
        _ = client.uid
    assert str(info.value) == "Odoo refused the login 'sync@acme.test' on database 'acme'"
    assert "wrong-pw-123" not in repr(client.spec)


def test_search_read_pages_by_offset_and_limit(fake_odoo):
    # given 23 leads, 3 of them owned
    owner = fake_odoo.add_user("rep@acme.test")
    for i in range(23):
        fake_odoo.create(
            "crm.lead",
            {"name": f"L{i}", "user_id": owner if i % 8 == 0 else False, "email_from": f"l{i}@x.test"},
        )
    client = _client(fake_odoo)
    # when
    rows = list(
        client.search_read_iter("crm.lead", [["user_id", "=", False]], ["name", "user_id"], page_size=5)
    )
    # then
    assert [r["name"] for r in rows] == [f"L{i}" for i in range(23) if i % 8]
    assert all(r["user_id"] is False for r in rows)
    pages = [c for c in fake_odoo.calls if c[1] == "search_read"]
    # 20 rows: four full pages, then an empty one ends the loop
    assert [c[3]["offset"] for c in pages] == [0, 5, 10, 15, 20]
    assert client.search_count("crm.lead", ["|", ["user_id", "=", owner], ["name", "ilike", "l1"]]) == 3 + 10


def test_many2one_comes_back_as_id_and_name(fake_odoo):
    owner = fake_odoo.add_user("rep@acme.test", name="Rep One")
    lead = fake_odoo.create("crm.lead", {"name": "A", "user_id": owner})
    rows = _client(fake_odoo).execute("crm.lead", "read", [[lead]], {"fields": ["user_id"]})
    assert rows == [{"id": lead, "user_id": [owner, "Rep One"]}]


def test_write_sets_values_and_a_validation_error_names_the_record(fake_odoo):
    owner = fake_odoo.add_user("rep@acme.test")
    a = fake_odoo.create("crm.lead", {"name": "A", "user_id": False})
    b = fake_odoo.create("crm.lead", {"name": "B", "user_id": False})
    fake_odoo.invalid_ids[b] = "The lead B is missing a contact name."
    client = _client(fake_odoo)
    client.write("crm.lead", [a], {"user_id": owner})
    with pytest.raises(ConnectorError) as info:
        client.write("crm.lead", [b], {"user_id": owner})
    assert str(info.value) == f"record {b}: The lead B is missing a contact name."
    assert fake_odoo.models["crm.lead"].records[a]["user_id"] == owner
    assert fake_odoo.models["crm.lead"].records[b]["user_id"] is False


def test_bad_domain_and_unreachable_server_are_connector_errors(fake_odoo):
    client = _client(fake_odoo)
    with pytest.raises(ConnectorError, match=r"Invalid field crm\.lead\.nope"):
        client.search_count("crm.lead", [["nope", "=", 1]])
    dead = OdooClient(
        OdooSpec(url="http://127.0.0.1:9", database="acme", username="u", password="p", timeout=2)
    )
    with pytest.raises(ConnectorError, match="Odoo is unreachable") as info:
        dead.version()
    assert info.value.retryable is True
