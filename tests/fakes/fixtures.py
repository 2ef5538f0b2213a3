"""pytest fixtures that start the fake servers (registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.odoo import FakeOdoo
from tests.fakes.salesforce import FakeSalesforce


@pytest.fixture
def fake_odoo() -> Iterator[FakeOdoo]:
    fake = FakeOdoo(database="acme", users={"sync@acme.test": "odoo-secret-pw"})
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_salesforce(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeSalesforce]:
    fake = FakeSalesforce(session_id="sf-secret-session", page_size=200)
    fake.start(tmp_path_factory.mktemp("sf-tls"))
    yield fake
    fake.stop()
