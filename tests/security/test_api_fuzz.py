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
from django.core.handlers.wsgi import WSGIHandler
from django.db import transaction

from tests.security.fuzzing import (
    FUZZ_ACTORS,
    MISSING_ID,
    FuzzWorld,
    fuzz_world_build,
    operation_fuzz,
    schema_load,
    wsgi_requests_keep_the_connection,
)

EXAMPLES = int(os.environ.get("REVOPS_FUZZ_EXAMPLES", "10"))
EXAMPLES_BY_ACTOR = {"admin": EXAMPLES, "rep": max(EXAMPLES // 5, 2), "partner": max(EXAMPLES // 5, 2)}


def _operation_labels() -> list[str]:
    """Every operation of the schema, read at collection (no database): "GET /api/v1/..."."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    methods = ("get", "post", "put", "patch", "delete")
    return [f"{method.upper()} {path}" for path, item in paths.items() for method in item if method in methods]


OPERATIONS = _operation_labels()


@pytest.fixture(scope="module")
def fuzz(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), wsgi_requests_keep_the_connection(), transaction.atomic():
        app = WSGIHandler()
        built = fuzz_world_build()
        yield built, schema_load(built, app)
        transaction.set_rollback(True)


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
    assert len(OPERATIONS) == 131


@pytest.mark.parametrize("actor", FUZZ_ACTORS)
@pytest.mark.parametrize("label", OPERATIONS)
def test_operation_passes_every_check(fuzz, db, actor, label):
    # given
    built, schema = fuzz
    operation = _operation(schema, label)
    # when / then: the first failing example fails the test with its curl command
    result = operation_fuzz(operation, headers=built.headers(actor), max_examples=EXAMPLES_BY_ACTOR[actor])
    assert result.examples >= 1
