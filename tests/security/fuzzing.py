"""Schemathesis against the API in-process: the world, the tokens, the schema and one runner.

Used by tests/security/test_api_fuzz.py (a few dozen examples per operation) and by
bench/api_fuzz.py (a thousand). The schema is the one drf-spectacular serves at /api/schema/,
fetched through the WSGI application with the admin's token; every request goes through the
same WSGI application (no server, no network) as an API token of one actor.

Each example runs in a savepoint rolled back after its checks, so what one example writes
(a deleted account, a revoked token) never reaches the next one; the world itself lives in
the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import hypothesis
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup

from revops.services.tokens import api_token_create
from tests.access_matrix.world import World, world_build

SCHEMA_PATH = "/api/schema/?format=json"
FUZZ_ACTORS = ("admin", "rep", "partner")
# A row id no table reaches in the world: the answer every foreign id must be indistinguishable from.
MISSING_ID = 987_654_321


@contextmanager
def wsgi_requests_keep_the_connection() -> Iterator[None]:
    """Let WSGI requests run inside the caller's transaction, as django.test.Client does.

    Django closes a connection whose autocommit differs from the setting at the end of each
    request; inside the test's transaction that would close it mid-test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass
class FuzzWorld:
    """The access matrix world plus one API key per fuzzing actor."""

    world: World
    keys: dict[str, str] = field(default_factory=dict)

    def headers(self, actor: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[actor]}"}


def fuzz_world_build() -> FuzzWorld:
    """Build the access matrix world and give the admin, the rep and the partner an API token."""
    world = world_build()
    keys = {}
    for actor in FUZZ_ACTORS:
        membership = world.actors[actor]
        assert membership is not None
        _token, keys[actor] = api_token_create(
            organization=membership.organization,
            user=membership.user,
            name=f"fuzz {actor}",
            acting_user=membership.user,
        )
    return FuzzWorld(world=world, keys=keys)


def schema_load(fuzz: FuzzWorld, app: WSGIHandler):
    """The OpenAPI schema served by the application, as the admin reads it."""
    return schemathesis.openapi.from_wsgi(SCHEMA_PATH, app, headers=fuzz.headers("admin"))


# Checks left out, each with its reason:
# - positive_data_acceptance: schema-valid input the API refuses on purpose with a 400 naming
#   the field: an id of a row that does not exist (or that the caller may not see), a control
#   character in a text (revops/text.py), a rule across fields (a period's end before its
#   start). OpenAPI cannot state these, so the check would only ask for them to be accepted.
EXCLUDED_CHECKS = frozenset({"positive_data_acceptance"})
# Form-encoded bodies (multipart, urlencoded) cannot say null, nest lists, or tell an empty
# optional field from an absent one (DRF reads it as absent): "became null" and "blank
# instead of minLength 1" are not sent as such. JSON bodies get every check.
FORM_MEDIA_TYPES = frozenset({"multipart/form-data", "application/x-www-form-urlencoded"})
FORM_EXCLUDED_CHECKS = frozenset({"negative_data_rejection"})


def all_checks() -> list:
    """Every check schemathesis ships (stateless and stateful) but EXCLUDED_CHECKS."""
    load_all_checks()
    return [check for check in CHECKS.get_all() if check.__name__ not in EXCLUDED_CHECKS]


def checks_for(case, checks: list) -> list:
    """The checks that judge `case`: all of them, less FORM_EXCLUDED_CHECKS for a form body."""
    if case.media_type in FORM_MEDIA_TYPES:
        return [check for check in checks if check.__name__ not in FORM_EXCLUDED_CHECKS]
    return checks


@dataclass
class OperationResult:
    """What one operation's run found: examples sent and distinct failures (title → case)."""

    label: str
    examples: int = 0
    failures: dict[str, str] = field(default_factory=dict)


def _failure_key(group: FailureGroup) -> list[tuple[str, str]]:
    """(title and first line, whole message) of each failure in a group."""
    found = []
    for failure in group.exceptions:
        title = getattr(failure, "title", type(failure).__name__)
        message = str(getattr(failure, "message", ""))
        found.append((f"{title}: {message.splitlines()[0] if message else ''}", message))
    return found


def operation_fuzz(
    operation, *, headers: dict[str, str], max_examples: int, seed: int = 0, stop_at_first: bool = True
) -> OperationResult:
    """Send `max_examples` generated requests (positive and negative) and run every check.

    With `stop_at_first` the first failure is raised (Hypothesis reports it, unshrunk);
    otherwise every distinct failure is collected and the run goes on.
    """
    checks = all_checks()
    result = OperationResult(label=operation.label)
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.seed(seed)
    @hypothesis.given(case=strategy)
    def run(case) -> None:
        result.examples += 1
        with transaction.atomic():
            try:
                case.call_and_validate(headers=headers, checks=checks_for(case, checks))
            except FailureGroup as group:
                if stop_at_first:
                    raise
                for key, message in _failure_key(group):
                    result.failures.setdefault(key, f"{message}\n{case.as_curl_command(headers=headers)}")
            finally:
                transaction.set_rollback(True)

    run()
    return result


def state_machine(schema, *, headers: dict[str, str], path_regex: str):
    """A stateful run over the operations matching `path_regex`, linked by schemathesis.

    Links between operations are inferred from the schema (create → read → update → delete
    of one resource), so `use_after_free` (a deleted row is gone) and
    `ensure_resource_availability` (a created row can be read) get the history they need.
    Each scenario runs in a savepoint rolled back at its end.
    """
    checks = all_checks()
    base = schema.include(path_regex=path_regex).as_state_machine()

    class Machine(base):  # type: ignore[valid-type, misc]
        def setup(self) -> None:
            self._savepoint = transaction.savepoint()

        def teardown(self) -> None:
            transaction.savepoint_rollback(self._savepoint)

        def get_call_kwargs(self, case) -> dict:
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
            case.validate_response(
                response,
                checks=checks_for(case, checks),
                headers=headers,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Machine


def state_machine_run(machine, *, max_examples: int, steps: int = 6) -> None:
    """Run `machine` derandomized for `max_examples` scenarios of up to `steps` calls."""
    machine.run(
        settings=hypothesis.settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        )
    )
