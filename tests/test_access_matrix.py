"""Access matrix: every URL pattern, requested as anonymous, as each role and as an outsider.

The expected status of each (route, actor) pair is written out in tests/access_matrix/
(entries_core.py, entries_attribution.py, admin_rules.py). A route the matrix does not
cover fails `test_every_route_has_a_matrix_entry`; an entry whose route is gone fails
`test_matrix_has_no_stale_entries`.

The rows the routes point at are built once per module (tests/access_matrix/world.py) in
a transaction rolled back at the end; each test runs in a savepoint of its own, so what a
request writes is undone before the next one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.access_matrix.expect import ACTORS, Entry, Redirect, Status
from tests.access_matrix.matrix import entry_for, stale_keys
from tests.access_matrix.routes import Route, all_routes, build_path
from tests.access_matrix.world import World, world_build

ROUTES = all_routes()
COVERED = [(route, entry) for route in ROUTES if (entry := entry_for(route)) is not None]


def _case_id(route: Route, actor: str) -> str:
    suffix = ".json" if route.is_format_variant else ""
    return f"{route.key}{suffix}|{actor}"


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = world_build()
        for name, membership in built.actors.items():
            if membership is not None:
                client = Client()
                client.force_login(membership.user)
                built.sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        yield built
        transaction.set_rollback(True)


def _resolve(value, world: World):
    """`"@key"` names a row of the world; anything else is used as it is."""
    if isinstance(value, str) and value.startswith("@"):
        return world.ids[value[1:]]
    return value


def _client(world: World, actor: str) -> Client:
    client = Client()
    if actor in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    return client


def _request(client: Client, route: Route, entry: Entry, world: World):
    kwargs = {name: _resolve(value, world) for name, value in entry.kwargs.items()}
    if entry.obj is not None:
        pk = world.ids[entry.obj]
        kwargs = {"pk": pk, "object_id": pk, "id": pk} | kwargs
    path = build_path(route, kwargs)
    if entry.query:
        path = f"{path}?{entry.query}"
    data = {name: _resolve(value, world) for name, value in entry.data.items()}
    send = client.post if entry.method == "POST" else client.get
    return path, send(path, data)


def _matches(response, expected: Status) -> bool:
    if isinstance(expected, Redirect):
        return response.status_code == 302 and urlsplit(response["Location"]).path == expected.to
    return response.status_code == expected


@pytest.mark.parametrize(
    ("route", "entry", "actor"),
    [
        pytest.param(route, entry, actor, id=_case_id(route, actor))
        for route, entry in COVERED
        for actor in ACTORS
    ],
)
def test_route_answers_each_actor_as_the_matrix_says(world, db, route, entry, actor):
    # given
    client = _client(world, actor)
    expected = entry.expect[ACTORS.index(actor)]
    # when
    path, response = _request(client, route, entry, world)
    # then
    location = response.get("Location", "")
    assert _matches(response, expected), (
        f"{entry.method} {path} as {actor}: got {response.status_code} {location}, matrix says {expected!r}"
    )


def test_every_route_has_a_matrix_entry():
    # given
    routes = all_routes()
    # when
    missing = [f"{route.key} ({route.route})" for route in routes if entry_for(route) is None]
    # then
    assert missing == [], "routes without an access-matrix entry:\n" + "\n".join(missing)


def test_matrix_has_no_stale_entries():
    # when
    stale = stale_keys(all_routes())
    # then
    assert stale == [], f"matrix entries for routes that no longer exist: {stale}"


LISTS = [
    ("/api/v1/accounts/", "account"),
    ("/api/v1/partners/", "partner"),
    ("/api/v1/product-lines/", "productline"),
    ("/api/v1/products/", "product"),
    ("/api/v1/opportunities/", "opportunity"),
    ("/api/v1/stage-changes/", "opportunitystagechange"),
    ("/api/v1/periods/", "fiscalperiod"),
    ("/api/v1/tokens/", "apitoken"),
    ("/api/v1/attribution/opportunity-partners/", "opportunitypartner"),
    ("/api/v1/attribution/account-partners/", "accountpartner"),
    ("/api/v1/attribution/rules/", "attributionrule"),
    ("/api/v1/attribution/revenue-events/", "revenueevent"),
    ("/api/v1/attribution/ledger/", "attributionentry"),
]


def _listed_ids(client: Client, path: str) -> set[int]:
    response = client.get(path, {"limit": 1000})
    assert response.status_code == 200, (path, response.status_code)
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(("path", "key"), LISTS, ids=[key for _path, key in LISTS])
def test_outsider_lists_do_not_contain_the_organizations_rows(world, db, path, key):
    # given
    org_row = world.ids[key]
    # when
    admin_sees = _listed_ids(_client(world, "admin"), path)
    outsider_sees = _listed_ids(_client(world, "outsider"), path)
    # then
    assert org_row in admin_sees
    assert org_row not in outsider_sees
    assert admin_sees.isdisjoint(outsider_sees)


def test_outsider_lists_their_own_organizations_deal_only(world, db):
    # when
    outsider_sees = _listed_ids(_client(world, "outsider"), "/api/v1/opportunities/")
    # then
    assert outsider_sees == {world.outsider_ids["opportunity"]}


def test_admin_autocomplete_offers_only_the_admins_own_members(world, db):
    # given
    path = "/admin/autocomplete/?app_label=revops&model_name=membership&field_name=user"
    org_members = {m.user_id for name, m in world.actors.items() if m is not None and name != "outsider"}
    # when
    admin_sees = _client(world, "admin").get(path).json()["results"]
    outsider_sees = _client(world, "outsider").get(path).json()["results"]
    # then
    assert {int(item["id"]) for item in admin_sees} == org_members
    assert [int(item["id"]) for item in outsider_sees] == [world.actors["outsider"].user_id]
