"""What a backup holds: every concrete organization-owned model, in foreign-key order.

A model is organization-owned when it has a foreign key named `organization` to the
organization, or a required foreign key to a model that is (a statement line belongs to its
statement's organization). Every other model of the project's apps must be listed in
`EXCLUDED` with the reason; `unclassified_models()` names the ones that are neither, and a
test fails on any, so a new model is backed up (or consciously left out) from its first day.

Users are not rows of an organization: a backed-up row names a user by e-mail (`users`
sheet: e-mail and name, never a password hash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models

# Apps whose models are not organization data (framework, sign-in, scheduling tables).
OTHER_APPS: dict[str, str] = {
    "admin": "the admin's own change log of staff actions, not organization data",
    "auth": "permissions and groups of the framework, shared by every organization",
    "contenttypes": "the framework's model catalogue",
    "sessions": "sign-in sessions, never restored",
    "account": "sign-in e-mail addresses and confirmations, per user, not per organization",
    "mfa": "users' second factors (secrets), per user",
    "axes": "sign-in attempt logs (security), per installation",
    "django_celery_beat": "the scheduler's own tables, rebuilt by setup_periodic_tasks",
}

# Organization-owned or project models deliberately left out, with the reason.
EXCLUDED: dict[str, str] = {
    "revops.Organization": "the organization itself: its name and settings are on the README sheet",
    "revops.User": "users are shared by organizations: rows name them by e-mail (users sheet)",
    "revops.JobRun": "records of background work of the source; references to runs restore empty",
    "revops.ApiToken": "secrets of integrations: new tokens are issued in the new organization",
    "revops.LedgerHead": "each ledger's head is rebuilt from its restored entries",
    "revops.SyncLogEntry": "the source's per-record Salesforce sync log; the next sync writes its own",
    "revops.PushbackLogEntry": "the source's per-record log of pushes to Salesforce; the next push writes its own",
    "revops.IdempotencyKey": "answers kept 24 hours for retried API requests, per credential",
    "attribution.RevenueDayTotal": "kept by database triggers from the revenue events as they are restored",
}

# Decimal columns with 2 places and at least this many digits are money (percentages are not).
MONEY_DIGITS = 12


@dataclass(frozen=True)
class Column:
    """One column of a table's sheet: a field, and how its value travels."""

    name: str  # header in the file: the attname, or "<field>_email" for a user
    field: models.Field
    kind: str  # "value", "ref" (an id of a backed-up table), "user" (an e-mail), "ledger_ref"
    target: str | None = None  # label of the referenced model for "ref" (and "ledger_ref")


@dataclass(frozen=True)
class BackupTable:
    """One backed-up model: its sheet name, columns in file order, and how it is owned."""

    label: str
    model: type[models.Model]
    sheet: str
    columns: tuple[Column, ...]
    org_path: str = "organization_id"  # lookup from the row to its organization's id
    ledger: str | None = None  # name of the ledger this entry table belongs to
    deferred: tuple[str, ...] = field(default=())  # references restored after every table is in

    @property
    def description(self) -> str:
        doc = (self.model.__doc__ or "").strip().splitlines()
        return (
            doc[0]
            if doc and not doc[0].startswith(self.model.__name__ + "(")
            else str(self.model._meta.verbose_name_plural)
        )

    @property
    def money_columns(self) -> tuple[Column, ...]:
        return tuple(
            c
            for c in self.columns
            if c.kind == "value"
            and isinstance(c.field, models.DecimalField)
            and c.field.decimal_places == 2
            and (c.field.max_digits or 0) >= MONEY_DIGITS
        )


def _label(model: Any) -> str:
    return model._meta.label


def _project_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if not m._meta.proxy and not m._meta.abstract]


def _has_organization(model: type[models.Model]) -> bool:
    try:
        fk = model._meta.get_field("organization")
    except Exception:
        return False
    return (
        fk.is_relation and fk.related_model is not None and _label(fk.related_model) == "revops.Organization"
    )


def _owner_parent(model: type[models.Model], owned: set[str]) -> models.Field | None:
    for fk in model._meta.concrete_fields:
        if (
            fk.is_relation
            and not fk.null
            and fk.related_model is not None
            and _label(fk.related_model) in owned
        ):
            return fk
    return None


def _owned_labels() -> dict[str, str]:
    """{label: lookup to the organization id} of every organization-owned model not excluded."""
    owned: dict[str, str] = {}
    for model in _project_models():
        label = _label(model)
        if label not in EXCLUDED and model._meta.app_label not in OTHER_APPS and _has_organization(model):
            owned[label] = "organization_id"
    grew = True
    while grew:
        grew = False
        for model in _project_models():
            label = _label(model)
            if label in owned or label in EXCLUDED or model._meta.app_label in OTHER_APPS:
                continue
            parent = _owner_parent(model, set(owned))
            if parent is not None and parent.related_model is not None:
                owned[label] = f"{parent.name}__{owned[_label(parent.related_model)]}"
                grew = True
    return owned


def unclassified_models() -> list[str]:
    """Project models neither backed up nor excluded with a reason (a test keeps this empty)."""
    owned = _owned_labels()
    return sorted(
        _label(m)
        for m in _project_models()
        if _label(m) not in owned and _label(m) not in EXCLUDED and m._meta.app_label not in OTHER_APPS
    )


def _ledger_of(model: type[models.Model]) -> str | None:
    from revops.ledger.spec import registered_ledgers

    for spec in registered_ledgers():
        if spec.entry_model is model:
            return spec.name
    return None


def _columns(model: type[models.Model], owned: dict[str, str]) -> tuple[Column, ...]:
    columns = []
    user_label = settings.AUTH_USER_MODEL
    for f in model._meta.concrete_fields:
        if f.primary_key:
            columns.append(Column(f.attname, f, "value"))
            continue
        if f.name == "organization" and _has_organization(model):
            continue
        if f.is_relation:
            assert f.related_model is not None
            target = _label(f.related_model)
            if target == user_label:
                columns.append(Column(f"{f.name}_email", f, "user"))
            elif target in owned:
                columns.append(Column(f.attname, f, "ref", target))
            elif not f.null:
                raise LookupError(f"{_label(model)}.{f.name} requires {target}, which is not backed up")
            # a nullable reference to a table that is not backed up (a job run) restores empty
            continue
        if f.name == "corrects_id" and _ledger_of(model):
            columns.append(Column(f.attname, f, "ledger_ref", _label(model)))
            continue
        columns.append(Column(f.attname, f, "value"))
    return tuple(columns)


def _topological(labels: list[str], refs: dict[str, list[tuple[str, bool]]], avoid: set[str]) -> list[str]:
    """Order tables so each comes after the tables it requires; nullable cycles are broken.

    Kahn's algorithm over every reference. When only cycles remain, the table that goes next
    is one whose unresolved references are all nullable (they are restored in a second pass,
    `BackupTable.deferred`), preferring a table another remaining one requires (a member of
    the cycle, e.g. a rule and its current version) and never a ledger's entries (`avoid`:
    append-only rows cannot be completed afterwards).
    """
    done: list[str] = []
    left = list(labels)
    while left:
        ready = [t for t in left if all(target in done or target == t for target, _null in refs[t])]
        if not ready:
            candidates = [
                t
                for t in left
                if t not in avoid and all(null or target in done or target == t for target, null in refs[t])
            ]
            if not candidates:
                raise LookupError(f"required references form a cycle among {', '.join(left)}")
            required = {target for t in left for target, null in refs[t] if not null and target != t}
            ready = [min(candidates, key=lambda t: (t not in required, left.index(t)))]
        for t in ready:
            done.append(t)
            left.remove(t)
    return done


def _sheet_names(labels: list[str]) -> dict[str, str]:
    names = {}
    plain = [label.split(".")[1] for label in labels]
    for label, name in zip(labels, plain, strict=True):
        # Room for " (99)" in the 31 characters Excel allows, for tables split across sheets.
        names[label] = (name if plain.count(name) == 1 else label)[:25]
    return names


@cache
def backup_tables() -> tuple[BackupTable, ...]:
    """Every backed-up table, in restore (foreign-key) order."""
    owned = _owned_labels()
    by_label = {_label(m): m for m in _project_models() if _label(m) in owned}
    columns = {label: _columns(model, owned) for label, model in by_label.items()}
    refs = {
        label: [(c.target, c.field.null) for c in cols if c.kind == "ref" and c.target]
        for label, cols in columns.items()
    }
    ledgers = {label for label, model in by_label.items() if _ledger_of(model)}
    order = _topological(sorted(by_label), refs, ledgers)
    position = {label: i for i, label in enumerate(order)}
    sheets = _sheet_names(order)
    tables = []
    for label in order:
        deferred = tuple(
            c.name
            for c in columns[label]
            if c.kind == "ref" and c.target is not None and position[c.target] >= position[label]
        )
        tables.append(
            BackupTable(
                label=label,
                model=by_label[label],
                sheet=sheets[label],
                columns=columns[label],
                org_path=owned[label],
                ledger=_ledger_of(by_label[label]),
                deferred=deferred,
            )
        )
    return tuple(tables)


def backup_table(label: str) -> BackupTable:
    for table in backup_tables():
        if table.label == label:
            return table
    raise LookupError(label)
