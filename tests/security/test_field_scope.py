"""Field-level scope: every API serializer field is classified (`revops.api.field_scope`), the
classes hold on real responses per role, and protected fields sent in a write change nothing."""

from __future__ import annotations

import functools
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from attribution.models import AttributionEntry, OpportunityPartner
from commissions.models import CommissionStatement
from partners.models import ApprovalDecision
from revops.api.field_scope import FIELD_SCOPE, INPUT, INPUTS, PARTNER_SERIALIZERS, PROTECTED, FieldClass
from revops.models import Organization, Role
from revops.services.audit import audit_record
from tests.access_matrix.routes import all_routes
from tests.access_matrix.world import World, world_build


@functools.cache
def api_serializers() -> tuple[dict[str, dict[str, bool]], frozenset[str]]:
    """{dotted path: {field: writable}} of every serializer in the OpenAPI schema, and the paths
    of those that are request bodies (directly or nested)."""
    generator = SchemaGenerator()
    schema = generator.get_schema(request=None, public=True)
    paths: dict[str, str] = {}
    found: dict[str, dict[str, bool]] = {}
    for (name, _type), component in generator.registry._components.items():
        obj = component.object
        if isinstance(obj, serializers.ListSerializer):
            obj = obj.child
        if not isinstance(obj, serializers.BaseSerializer):
            continue
        path = f"{type(obj).__module__}.{type(obj).__qualname__}"
        paths[name] = path
        found[path] = {field: not f.read_only for field, f in obj.fields.items()}

    def refs(node, out: set[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    out.add(value.rsplit("/", 1)[-1])
                else:
                    refs(value, out)
        elif isinstance(node, list):
            for value in node:
                refs(value, out)

    components = schema["components"]["schemas"]
    request: set[str] = set()
    for operations in schema["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                refs(operation["requestBody"], request)
    todo = list(request)
    while todo:
        more: set[str] = set()
        refs(components.get(todo.pop(), {}), more)
        todo += list(more - request)
        request |= more
    bodies = {
        paths.get(n)
        or paths.get(n.removeprefix("Patched"))
        or paths.get(n.removeprefix("Patched").removesuffix("Request"))
        for n in request
    }
    return found, frozenset(b for b in bodies if b)


def test_every_serializer_field_is_classified():
    found, _ = api_serializers()
    unclassified = [
        f"{path}.{f}" for path, fields in found.items() for f in fields if f not in FIELD_SCOPE.get(path, {})
    ]
    assert len(found) >= 60
    assert unclassified == []


def test_no_classification_is_stale():
    found, _ = api_serializers()
    stale = [
        f"{path}.{f}" for path, fields in FIELD_SCOPE.items() for f in fields if f not in found.get(path, {})
    ]
    assert stale == []


def test_writable_fields_are_exactly_the_input_fields_of_request_bodies():
    # A field made writable (or a serializer newly used as a request body) fails until classified.
    found, bodies = api_serializers()
    wrong = [
        f"{path}.{f}: writable={writable and path in bodies}, class={FIELD_SCOPE[path][f].name}"
        for path, fields in found.items()
        for f, writable in fields.items()
        if (writable and path in bodies) != (FIELD_SCOPE[path][f] in INPUTS)
    ]
    assert wrong == []


def test_protected_fields_are_never_input_and_partners_read_only_the_partner_program():
    inputs = {f"{path}.{f}" for path, fields in FIELD_SCOPE.items() for f, c in fields.items() if c in INPUTS}
    assert [name for name in inputs if name.rsplit(".", 1)[1] in PROTECTED] == []
    partner_readable = {
        path
        for path, fields in FIELD_SCOPE.items()
        if any(Role.PARTNER in c.read | c.write for c in fields.values())
    }
    assert partner_readable == PARTNER_SERIALIZERS
    assert all(Role.PARTNER in c.read for path in PARTNER_SERIALIZERS for c in FIELD_SCOPE[path].values())


# --- Real responses --------------------------------------------------------------------------

ROLES = ("admin", "manager", "finance", "rep", "partner")
API_LISTS = sorted(
    {
        r.name
        for r in all_routes()
        if r.name and r.name.endswith("-list") and r.route.startswith("api/v1/") and not r.is_format_variant
    }
)


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


def _client(world: World, actor: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    return client


def _serializer_path(path: str) -> str:
    view = resolve(path).func
    cls = view.cls.serializer_class
    return f"{cls.__module__}.{cls.__qualname__}"


@pytest.mark.parametrize("route", API_LISTS)
def test_each_role_reads_only_the_fields_its_role_may(world, db, route):
    path = reverse(route)
    scope = FIELD_SCOPE[_serializer_path(path)]
    seen = {}
    for actor in ROLES:
        response = _client(world, actor).get(path)
        assert response.status_code < 500
        if actor == "partner" and _serializer_path(path) not in PARTNER_SERIALIZERS:
            # Partners have no API outside the partner program: refused before any row is read.
            assert response.status_code in (403, 404)
            assert b'"results"' not in response.content
            continue
        if response.status_code != 200:
            assert response.status_code in (403, 404)
            continue
        role = world.actors[actor].role
        for item in response.json()["results"]:
            assert set(item) <= {f for f, c in scope.items() if role in c.read}, (
                actor,
                set(item) - set(scope),
            )
        seen[actor] = len(response.json()["results"])
    assert seen, "no internal role could read the list"


PORTAL_PAGES = sorted(
    {r.name for r in all_routes() if r.name and r.name.startswith("portal:") and "<" not in r.route}
)


def test_portal_pages_hide_margins_notes_other_partners_and_commissions(world, db):
    # given: internal notes, another partner's split and a rep's commission with unique values
    partner_id = world.actors["partner"].partner_id
    own = OpportunityPartner.objects.filter(partner_id=partner_id).first()
    audit_record(
        organization=own.organization,
        actor=world.actors["manager"].user,
        action="opportunity_partner.update",
        obj=own,
        reason="ZZNOTE-credit-reason",
    )
    OpportunityPartner.objects.exclude(partner_id=partner_id).update(split_percent=Decimal("37.13"))
    ApprovalDecision.objects.update(reason="ZZNOTE-approval-reason")
    CommissionStatement.objects.update(total=Decimal("48151.62"))
    secrets = ["ZZNOTE-credit-reason", "ZZNOTE-approval-reason", "37.13", "48151.62", "48,151.62", "margin"]
    assert PORTAL_PAGES
    # when
    client = _client(world, "partner")
    leaks = {}
    for name in PORTAL_PAGES:
        response = client.get(reverse(name))
        assert response.status_code < 500, name
        text = response.content.decode()
        leaks[name] = [s for s in secrets if s in text]
    # then
    assert leaks == {name: [] for name in PORTAL_PAGES}


# --- Mass assignment -------------------------------------------------------------------------

# (route, world key of the object): every API endpoint that takes a POST or PATCH of a record.
WRITABLE = [
    ("account", "account"),
    ("partner", "partner"),
    ("product-line", "productline"),
    ("product", "product"),
    ("opportunity", "opportunity"),
    ("attribution-api:opportunity-partner", "opportunitypartner"),
    ("attribution-api:account-partner", "accountpartner"),
    ("distribution-api:lead", "distribution_lead"),
    ("distribution-api:config", "distributionconfig"),
]


def _hostile(name: str, other_org: int, admin_user: int) -> object:
    if name in ("organization",):
        return other_org
    if name in ("id", "user", "approved_by", "paid_by", "closed_by", "sequence"):
        return admin_user if name != "id" else 999_999
    if name.endswith("_at"):
        return "2000-01-01T00:00:00Z"
    if name == "status":
        return "approved"
    if name == "hash":
        return "0" * 64
    return "999999.99"


def _row(obj) -> dict:
    return {
        f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields if f.name != "updated_at"
    }


def _payload(route: str, world: World, scope: dict[str, FieldClass]) -> dict:
    other_org = Organization.objects.exclude(pk=world.actors["admin"].organization_id).first().pk
    names = {f for f, c in scope.items() if c is not INPUT} | PROTECTED
    return {n: _hostile(n, other_org, world.actors["admin"].user_id) for n in sorted(names)}


@pytest.mark.parametrize(("route", "key"), WRITABLE)
def test_patching_protected_fields_changes_nothing(world, db, route, key):
    # given
    path = reverse(f"{route}-detail", args=[world.ids[key]])
    view = resolve(path).func.cls
    model = view.model if hasattr(view, "model") else view.queryset.model
    before = _row(model.objects.get(pk=world.ids[key]))
    scope = FIELD_SCOPE[_serializer_path(path)]
    ledger = AttributionEntry.objects.count()
    # when
    response = _client(world, "admin").patch(
        path, json.dumps(_payload(route, world, scope)), content_type="application/json"
    )
    # then: ignored (200) or refused (400), never a 5xx, and the row is as it was
    assert response.status_code in (200, 400), response.content[:300]
    assert _row(model.objects.get(pk=world.ids[key])) == before
    assert AttributionEntry.objects.count() == ledger


@pytest.mark.parametrize(("route", "key"), WRITABLE)
def test_creating_with_protected_fields_ignores_them(world, db, route, key):
    # given: the record's own representation, made unique, plus hostile protected fields
    client = _client(world, "admin")
    detail = reverse(f"{route}-detail", args=[world.ids[key]])
    view = resolve(detail).func.cls
    model = view.model if hasattr(view, "model") else view.queryset.model
    scope = FIELD_SCOPE[_serializer_path(detail)]
    body = {k: v for k, v in client.get(detail).json().items() if k in scope and scope[k] is INPUT}
    for unique in ("external_id", "name", "code", "sku", "email"):
        if isinstance(body.get(unique), str):
            body[unique] = f"fresh-{unique}"[:20] if unique != "email" else "fresh@acme.test"
    body |= _payload(route, world, {f: c for f, c in scope.items() if c is not INPUT})
    count = model.objects.count()
    # when
    response = client.post(reverse(f"{route}-list"), json.dumps(body), content_type="application/json")
    # then: refused with nothing created, or created inside the admin's organization with the
    # server's values for every protected field
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert model.objects.count() == count
        return
    created = model.objects.get(pk=response.json()["id"])
    assert created.pk != 999_999
    assert created.organization_id == world.actors["admin"].organization_id
    if hasattr(created, "created_at"):
        assert created.created_at.year != 2000
    for name in ("approved_by_id", "paid_by_id", "closed_by_id"):
        assert getattr(created, name, None) is None
