"""Schemathesis against the served OpenAPI schema, as an admin, a rep and a partner token.

The schema is the one /api/schema/ serves (drf-spectacular), loaded through the WSGI
application; requests go through the same application. Each operation gets generated
requests, positive and negative, and every schemathesis check runs on each answer (server
errors, status codes, content types, headers and bodies against the schema, negative data
rejected, positive data accepted, ignored authentication, ...). Seeded and derandomized:
the same examples every run. Each example's writes are rolled back.

Examples per operation: `REVOPS_FUZZ_EXAMPLES` (default below) for the admin, a fifth of it
for the rep and the partner (who are refused most operations at the door). The deep run,
1,000 per operation, is bench/api_fuzz.py.

Explicit examples feed every object route the ids of rows its actor must not see: another
organization's, another rep's, another partner's. The answer must be the one a row that
does not exist gets (404, or the same refusal when the actor may not use the route at all),
never a success, and never a 403 that a missing row would not get.
"""

from __future__ import annotations

import os

import pytest
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from tests.security.fuzzing import (
    FUZZ_ACTORS,
    MISSING_ID,
    FuzzWorld,
    fuzz_world_build,
    operation_fuzz,
    schema_load,
    state_machine,
    state_machine_run,
    wsgi_requests_keep_the_connection,
)

EXAMPLES = int(os.environ.get("REVOPS_FUZZ_EXAMPLES", "6"))
EXAMPLES_BY_ACTOR = {"admin": EXAMPLES, "rep": max(EXAMPLES // 5, 2), "partner": max(EXAMPLES // 5, 2)}


def _operation_labels() -> list[str]:
    """Every operation of the schema, read at collection (no database): "GET /api/v1/..."."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    methods = ("get", "post", "put", "patch", "delete")
    return [
        f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in methods
    ]


OPERATIONS = _operation_labels()


@pytest.fixture(scope="module")
def fuzz(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), wsgi_requests_keep_the_connection(), transaction.atomic():
        app = WSGIHandler()
        built = fuzz_world_build()
        yield built, schema_load(built, app)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """The module's tokens send thousands of requests: each test starts with empty throttle
    counts, or a later test meets the earlier ones' 429 (throttling has its own tests)."""
    cache.clear()
    yield
    cache.clear()


def _operation(schema, label: str):
    method, path = label.split(" ", 1)
    return schema[path][method]


def test_served_schema_has_the_operations_the_fuzzer_collected(fuzz, db):
    # given
    _built, schema = fuzz
    # when
    served = [op.ok().label for op in schema.get_all_operations()]
    # then
    assert sorted(served) == sorted(OPERATIONS)
    assert len(OPERATIONS) == 150


@pytest.mark.parametrize("actor", FUZZ_ACTORS)
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_passes_every_check(fuzz, db, actor, label):
    # given
    built, schema = fuzz
    operation = _operation(schema, label)
    # when / then: the first failing example fails the test with its curl command
    result = operation_fuzz(operation, headers=built.headers(actor), max_examples=EXAMPLES_BY_ACTOR[actor])
    assert result.examples >= 1


# Object routes → the rows their actor must not reach, as (actors, where, world key): "other"
# is another organization's row (World.outsider_ids, or an `outsider_*` key of World.ids),
# the rest rows of the same organization that belong to another rep or another partner.
ANYONE = frozenset(FUZZ_ACTORS)
REP = frozenset({"rep"})
PARTNER = frozenset({"partner"})
FOREIGN_ROWS: dict[str, list[tuple[frozenset[str], str, str]]] = {
    "/api/v1/accounts/{id}/": [(ANYONE, "other", "account"), (REP, "ids", "other_account")],
    "/api/v1/opportunities/{id}/": [
        (ANYONE, "other", "opportunity"),
        (REP, "ids", "other_opportunity"),
        (REP, "ids", "drifter_opportunity"),
    ],
    "/api/v1/attribution/opportunities/{id}/explanations/": [
        (ANYONE, "other", "opportunity"),
        (REP | PARTNER, "ids", "other_opportunity"),
    ],
    "/api/v1/commissions/transactions/{id}/": [
        (ANYONE, "other", "salestransaction"),
        (REP, "ids", "other_salestransaction"),
    ],
    "/api/v1/commissions/statements/{id}/": [
        (ANYONE, "other", "commissionstatement"),
        (REP, "ids", "other_statement"),
    ],
    "/api/v1/commissions/statements/{id}/approve/": [
        (ANYONE, "other", "commissionstatement"),
        (REP, "ids", "other_statement"),
    ],
    "/api/v1/commissions/statements/{id}/pay/": [
        (ANYONE, "other", "commissionstatement"),
        (REP, "ids", "other_statement"),
    ],
    "/api/v1/forecasting/scores/{id}/": [(ANYONE, "other", "dealscore"), (REP, "ids", "other_dealscore")],
    "/api/v1/forecasting/models/{id}/": [(ANYONE, "other", "modelversion")],
    "/api/v1/marketing/journeys/{id}/": [(REP, "ids", "other_marketing_journey")],
    "/api/v1/distribution/leads/{id}/": [(REP, "ids", "other_distribution_lead")],
    "/api/v1/partners/registrations/{id}/": [
        (ANYONE, "ids", "outsider_registration"),
        (PARTNER, "ids", "other_registration"),
    ],
    "/api/v1/partners/registrations/{id}/approve/": [
        (ANYONE, "ids", "outsider_registration"),
        (PARTNER, "ids", "other_registration"),
    ],
    "/api/v1/partners/registrations/{id}/reject/": [
        (ANYONE, "ids", "outsider_registration"),
        (PARTNER, "ids", "other_registration"),
    ],
    "/api/v1/partners/portal/registrations/{id}/": [
        (ANYONE, "ids", "outsider_registration"),
        (PARTNER, "ids", "other_registration"),
    ],
    "/api/v1/partners/disputes/{id}/": [
        (ANYONE, "ids", "outsider_dispute"),
        (PARTNER, "ids", "other_dispute"),
    ],
    "/api/v1/partners/disputes/{id}/comment/": [
        (ANYONE, "ids", "outsider_dispute"),
        (PARTNER, "ids", "other_dispute"),
    ],
    "/api/v1/partners/disputes/{id}/resolve/": [
        (ANYONE, "ids", "outsider_dispute"),
        (PARTNER, "ids", "other_dispute"),
    ],
    "/api/v1/partners/health/{partner_id}/": [(PARTNER, "ids", "program_other_partner")],
    "/api/v1/tokens/{id}/": [(PARTNER, "ids", "apitoken")],
    "/api/v1/tokens/{id}/revoke/": [(PARTNER, "ids", "apitoken")],
}
FOREIGN_CASES = [
    pytest.param(label, actor, where, key, id=f"{label}|{actor}|{key}")
    for label in OPERATIONS
    for actors, where, key in FOREIGN_ROWS.get(label.split(" ", 1)[1], [])
    for actor in FUZZ_ACTORS
    if actor in actors
]


def _send_with_id(operation, built: FuzzWorld, actor: str, row_id: int):
    """One request on the row `row_id`: no query, an empty JSON object as the body of a write."""
    (name,) = [parameter.name for parameter in operation.path_parameters]
    if operation.body:
        case = operation.Case(path_parameters={name: row_id}, body={}, media_type="application/json")
    else:
        case = operation.Case(path_parameters={name: row_id})
    with transaction.atomic():
        response = case.call(headers=built.headers(actor))
        transaction.set_rollback(True)
    return response


def test_every_object_route_is_fed_foreign_ids():
    # given: the object routes of the schema (a path parameter that names one row)
    object_paths = {label.split(" ", 1)[1] for label in OPERATIONS if "{" in label}
    # then: the table covers those whose rows belong to an organization, a rep or a partner
    assert set(FOREIGN_ROWS) <= object_paths
    assert len(FOREIGN_CASES) == 100


@pytest.mark.parametrize(("label", "actor", "where", "key"), FOREIGN_CASES)
def test_a_foreign_id_answers_as_a_missing_one(fuzz, db, label, actor, where, key):
    # given: the id of a row `actor` must not reach, and an id no row has
    built, schema = fuzz
    operation = _operation(schema, label)
    world = built.world
    foreign_id = world.outsider_ids[key] if where == "other" else world.ids[key]
    assert isinstance(foreign_id, int)
    # when
    foreign = _send_with_id(operation, built, actor, foreign_id)
    missing = _send_with_id(operation, built, actor, MISSING_ID)
    # then: never a success; the same status and body as a row that does not exist (no 403
    # telling that the row is there)
    assert foreign.status_code not in range(200, 300), f"{label} as {actor} with {key}: {foreign.status_code}"
    assert foreign.status_code in (400, 403, 404)
    assert (foreign.status_code, foreign.json()) == (missing.status_code, missing.json())
    assert [word for word in world.forbidden(actor) if word in foreign.text] == []


# Resources an integration creates, reads, changes and deletes: the stateful run follows
# create → read → update → delete of one row, so a deleted row must be gone (use_after_free)
# and a created one readable (ensure_resource_availability).
STATEFUL_PATHS = r"^/api/v1/(accounts|product-lines|products|partners|distribution/leads|tokens)/(\{[a-z_]+\}/)?(revoke/)?$"


def test_stateful_runs_have_links_to_follow(fuzz, db):
    # given
    built, schema = fuzz
    # when
    machine = state_machine(schema, headers=built.headers("admin"), path_regex=STATEFUL_PATHS)
    # then: links were inferred between the operations of each resource
    links = {
        (path, method, code, name)
        for path, item in schema.raw_schema["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        for code, response in operation.get("responses", {}).items()
        for name in response.get("links", {})
    }
    assert machine is not None
    for path, name in [
        ("accounts", "Account"),
        ("products", "Product"),
        ("partners", "Partner"),
        ("distribution/leads", "Lead"),
    ]:
        created = {
            link
            for p, method, code, link in links
            if (p, method, code) == (f"/api/v1/{path}/", "post", "201")
        }
        assert {f"Get{name}", f"Patch{name}", f"Put{name}", f"Delete{name}"} <= created, path


@pytest.mark.parametrize("actor", ["admin", "rep"])
def test_stateful_run_passes_every_check(fuzz, db, actor):
    # given
    built, schema = fuzz
    machine = state_machine(schema, headers=built.headers(actor), path_regex=STATEFUL_PATHS)
    # when / then
    state_machine_run(machine, max_examples=max(EXAMPLES // 2, 2))
