"""Access matrix: every URL pattern and every method it accepts, asked as each actor.

The expected status of each request is written out in tests/access_matrix/ (entries_core.py,
entries_attribution.py, admin_rules.py). The world (tests/access_matrix/world.py) holds, next
to the rows object routes point at, another rep's, another team's, another partner's and
another organization's rows, each named with a sentinel word. Every response (page, partial,
CSV / Excel / PDF export, API body) is searched for the sentinel words its actor must not
read. Guards of the matrix itself:

- a route without any entry fails `test_every_route_has_a_matrix_entry`;
- an entry whose route is gone fails `test_matrix_has_no_stale_entries`;
- a method a route accepts that none of its entries names (a new PUT on an API route, a
  page that starts taking DELETE) fails `test_unclassified_methods_are_refused`.

`test_row_scope_of_each_actor` asks the scoped selectors directly, so a scope bug shows even
where no page reaches it yet (partner users have no pages until the portal exists).

The world is built once per module (per xdist worker) in a transaction rolled back at the
end; each test runs in a savepoint of its own, so what a request writes is undone before the
next one.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from attribution.selectors.visible import entry_list, revenue_event_list
from commissions.models import SalesTransaction
from commissions.selectors.sales import transaction_scope
from commissions.selectors.statements import statement_scope
from revops.models import Account, Membership, Opportunity, Partner
from tests.access_matrix import scopes
from tests.access_matrix.content import leaked, text_of
from tests.access_matrix.expect import ACTORS, METHODS, Entry, Redirect, Status
from tests.access_matrix.matrix import entries_for, methods_for, stale_keys
from tests.access_matrix.routes import Route, all_routes, build_path
from tests.access_matrix.world import World, world_build
from tests.security.headers import missing_security_headers

ROUTES = all_routes()
COVERED = [(route, entry) for route in ROUTES for entry in entries_for(route)]


def _route_id(route: Route) -> str:
    return f"{route.key}{'.json' if route.is_format_variant else ''}"


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


def _path(route: Route, entry: Entry, world: World) -> str:
    kwargs = {name: _resolve(value, world) for name, value in entry.kwargs.items()}
    if entry.obj is not None:
        pk = world.ids[entry.obj]
        kwargs = {"pk": pk, "object_id": pk, "id": pk} | kwargs
    path = build_path(route, kwargs)
    return f"{path}?{entry.query}" if entry.query else path


def _send(client: Client, method: str, path: str, data: dict, hx: bool = False):
    headers = {"HX-Request": "true"} if hx else {}
    if method == "GET":
        return client.get(path, data, headers=headers)
    if method == "POST":
        return client.post(path, data, headers=headers)
    body = json.dumps(data) if data else ""
    return client.generic(method, path, body, content_type="application/json", headers=headers)


def _matches(response, expected: Status) -> bool:
    if isinstance(expected, Redirect):
        return response.status_code == 302 and urlsplit(response["Location"]).path == expected.to
    return response.status_code == expected


@pytest.mark.parametrize(
    ("route", "entry", "actor"),
    [
        pytest.param(route, entry, actor, id=f"{_route_id(route)}|{entry.label}|{actor}")
        for route, entry in COVERED
        for actor in entry.actors
    ],
)
def test_route_answers_each_actor_as_the_matrix_says(world, db, route, entry, actor):
    # given
    client = _client(world, actor)
    expected = entry.expect[entry.actors.index(actor)]
    path = _path(route, entry, world)
    data = {name: _resolve(value, world) for name, value in entry.data.items()}
    # when
    response = _send(client, entry.method, path, data, hx=entry.hx)
    # then
    location = response.get("Location", "")
    assert _matches(response, expected), (
        f"{entry.method} {path} as {actor}: got {response.status_code} {location}, matrix says {expected!r}"
    )
    assert leaked(response, world.forbidden(actor)) == [], f"{entry.method} {path} as {actor} leaks"
    # Every answer (page, partial, API, export, redirect, error) carries the security headers.
    assert missing_security_headers(response) == [], f"{entry.method} {path} as {actor}"


@pytest.mark.parametrize("route", ROUTES, ids=_route_id)
def test_unclassified_methods_are_refused(world, db, route):
    # given: the methods the matrix classifies for this route, and a request shape for it
    entries = entries_for(route)
    if not entries:
        pytest.fail(f"{route.key} has no matrix entry")
    classified = methods_for(route)
    path = _path(route, entries[0], world)
    client = _client(world, "admin")
    # when: the admin (who passes every capability check) tries every other method
    answers = {
        method: _send(client, method, path, {}).status_code for method in METHODS if method not in classified
    }
    # then
    accepted = {method: status for method, status in answers.items() if status != 405}
    assert accepted == {}, f"{path} accepts methods the matrix does not classify: {accepted}"


def test_every_route_has_a_matrix_entry():
    # given
    routes = all_routes()
    # when
    missing = [f"{route.key} ({route.route})" for route in routes if not entries_for(route)]
    # then
    assert missing == [], "routes without an access-matrix entry:\n" + "\n".join(missing)


def test_matrix_has_no_stale_entries():
    # when
    stale = stale_keys(all_routes())
    # then
    assert stale == [], f"matrix entries for routes that no longer exist: {stale}"


def _word(name: str | None) -> str:
    return (name or "").split(" ")[0]


def _credits(entries) -> set[tuple[str, str]]:
    rows = entries.values_list(
        "partner__name", "revenue_event__opportunity__name", "revenue_event__account__name"
    )
    return {(_word(partner), _word(deal or account)) for partner, deal, account in rows}


@pytest.mark.parametrize("actor", ACTORS)
def test_row_scope_of_each_actor(world, db, actor):
    # given
    member = world.actors[actor]
    deals, accounts = scopes.DEALS[actor]
    all_credits = _credits(entry_list(membership=world.actors["admin"])) | _credits(
        entry_list(membership=world.actors["outsider"])
    )
    if actor in scopes.ENTRY_PARTNER:
        credits = {c for c in all_credits if c[0] == scopes.ENTRY_PARTNER[actor]}
    else:
        credits = {c for c in all_credits if c[1] in deals}
    # when
    seen = {
        "deals": {_word(n) for n in Opportunity.objects.visible_to(member).values_list("name", flat=True)},
        "accounts": {_word(n) for n in Account.objects.visible_to(member).values_list("name", flat=True)},
        "partners": {_word(n) for n in Partner.objects.visible_to(member).values_list("name", flat=True)},
        "credits": _credits(entry_list(membership=member)),
        "revenue": {
            _word(n)
            for n in revenue_event_list(membership=member).values_list("opportunity__name", flat=True)
        },
        # Each rep's sales are to a customer named with their deal's word; a statement is
        # named here by its rep's sales.
        "sales": {_word(n) for n in transaction_scope(membership=member).values_list("customer", flat=True)},
        "statements": {
            _word(n)
            for n in SalesTransaction.objects.filter(
                rep_id__in=statement_scope(membership=member).values("rep_id")
            ).values_list("customer", flat=True)
        },
    }
    # then
    assert all_credits >= scopes.EXPECTED_CREDITS
    assert seen == {
        "deals": set(deals),
        "accounts": set(accounts),
        "partners": set(scopes.PARTNERS[actor]),
        "credits": credits,
        "revenue": set() if actor in scopes.ENTRY_PARTNER else set(deals),
        "sales": set(deals),
        "statements": set(deals),
    }


# Lists whose rows an actor must see in full: the sentinel words their scope holds must all
# be in the body (the leak check above already proves the others are not).
SHOWN = [
    ("/api/v1/accounts/?limit=1000", "accounts"),
    ("/api/v1/opportunities/?limit=1000", "deals"),
    ("/opportunities/", "deals"),
    ("/attribution/ledger/", "deals"),
    # Each rep's sale is to a customer named with their deal's word (see world.py).
    ("/commissions/sales/", "deals"),
    ("/api/v1/commissions/transactions/?limit=1000", "deals"),
]


@pytest.mark.parametrize(("path", "kind"), SHOWN, ids=[path for path, _kind in SHOWN])
@pytest.mark.parametrize(
    "actor", ["admin", "manager", "finance", "rep", "outsider", "other_rep", "other_manager"]
)
def test_lists_show_everything_in_the_actors_scope(world, db, path, kind, actor):
    # given
    deals, accounts = scopes.DEALS[actor]
    words = deals if kind == "deals" else accounts
    # when
    response = _client(world, actor).get(path)
    # then
    assert response.status_code == 200
    text = text_of(response)
    assert sorted(word for word in words if word not in text) == []


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
    ("/api/v1/commissions/transactions/", "salestransaction"),
    ("/api/v1/commissions/objectives/", "businessobjective"),
    ("/api/v1/commissions/plans/", "commissionplan"),
    ("/api/v1/commissions/statements/", "commissionstatement"),
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
    # then: Globex's deals (the world's, and the one its partner disputes), nothing of Acme's
    globex = world.actors["outsider"].organization_id
    assert outsider_sees == set(
        Opportunity.objects.filter(organization_id=globex).values_list("pk", flat=True)
    )
    assert world.outsider_ids["opportunity"] in outsider_sees


def test_admin_autocomplete_offers_only_the_admins_own_members(world, db):
    # given
    path = "/admin/autocomplete/?app_label=revops&model_name=membership&field_name=user"
    admin, outsider = world.actors["admin"], world.actors["outsider"]
    org_members = set(
        Membership.objects.filter(organization_id=admin.organization_id).values_list("user_id", flat=True)
    )
    # when
    admin_sees = _client(world, "admin").get(path).json()["results"]
    outsider_sees = _client(world, "outsider").get(path).json()["results"]
    # then
    assert {int(item["id"]) for item in admin_sees} == org_members
    assert [int(item["id"]) for item in outsider_sees] == [outsider.user_id]
