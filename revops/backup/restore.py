"""Restore a backup into a new, empty organization: all of it in one transaction, or nothing.

Tables are loaded in foreign-key order (`registry.backup_tables`); each row gets a new id and
every reference is remapped through the ids given so far (references inside a cycle, e.g. a
rule's current version, are set once both rows exist). Users are re-linked by e-mail; a user
the installation does not know is created inactive, without a password (an admin invites
them, or leaves them inactive), and counted in the result.

Ledgers: an entry's keyed hash covers the organization's id and the ids it cites, which are
all new, so each ledger is chained again in its original sequence order under this
installation's current key (revops.ledger.chain); the head row is rebuilt and each period
seal names the new hash at its sequence. Before that, when this installation holds the key
an entry was sealed with, the file's own chain is checked against its hashes, so an amount
edited in the file is refused. Afterwards every ledger must pass `ledger_verify`, and every
table's row count and money totals must equal the README's, or the whole restore is undone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import Sum

from revops.backup.codec import CellError, decode, decode_text
from revops.backup.reader import BackupFileError, BackupSource, Readme
from revops.backup.registry import BackupTable, backup_tables
from revops.backup.writer import table_queryset
from revops.exceptions import ApplicationError
from revops.ledger.chain import GENESIS_HASH, current_key, entry_body, ledger_keys, link_hash
from revops.ledger.spec import LedgerSpec, registered_ledgers
from revops.ledger.verify import ledger_verify
from revops.models import LedgerHead, Membership, Organization, Role

NOT_EMPTY = (
    "Organization {slug!r} already holds data ({what}): a backup restores only into an empty organization."
)
NOT_YOURS = "Organization {slug!r} already exists and you are not its admin: choose a new name."
NOT_LISTED = "The README lists no table {label}; this backup was written by another version."
UNKNOWN_TABLE = "The README lists {label}, which this installation does not have."
BROKEN_REFERENCE = "refers to id {value} of {target}, which is not in the file"
UNKNOWN_USER = "names user {email!r}, who is not on the users sheet"
COUNT_MISMATCH = "{rows} rows, but the README says {expected}"
TOTAL_MISMATCH = "column {column} totals {found}, but the README says {expected}"
CHAIN_MISMATCH = "does not match its ledger hash (the file was edited): {what}"
VERIFY_FAILED = "The restored ledger {ledger} does not verify: entry #{sequence}: {problem}"
BATCH = 1000

Progress = Callable[[int, int], None]


@dataclass
class RestoreResult:
    organization: Organization
    rows: dict[str, int] = field(default_factory=dict)
    users_linked: int = 0
    users_created: list[str] = field(default_factory=list)
    ledgers: dict[str, int] = field(default_factory=dict)
    source_chain_checked: bool = True

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _empty_problem(organization: Organization) -> str | None:
    for table in backup_tables():
        if table_queryset(table, organization.pk).exists():
            return table.label
    if LedgerHead.objects.filter(organization=organization).exists():
        return "ledger heads"
    return None


def _target_organization(slug: str, readme: Readme, name: str | None, admin) -> Organization:
    existing = Organization.objects.filter(slug=slug).first()
    if existing is not None:
        if (
            admin is not None
            and not Membership.objects.filter(
                organization=existing, user=admin, role=Role.ADMIN, is_active=True
            ).exists()
        ):
            # From the page: only into a new organization, or an empty one the admin runs.
            raise ApplicationError(NOT_YOURS.format(slug=slug))
        what = _empty_problem(existing)
        if what is not None:
            raise ApplicationError(NOT_EMPTY.format(slug=slug, what=what))
        return existing
    meta = readme.meta
    organization = Organization(
        name=name or str(meta.get("Organization") or slug),
        slug=slug,
        currency=str(meta.get("Currency") or "USD"),
        time_zone=str(meta.get("Time zone") or "UTC"),
        fiscal_year_start_month=int(meta.get("Fiscal year start month") or 1),
    )
    organization.full_clean()
    organization.save()
    return organization


class _Users:
    """E-mail → user of this installation; unknown ones created inactive, without a password."""

    def __init__(self, source: BackupSource):
        self.by_email: dict[str, int] = {}
        self.source_ids: dict[str, int] = {}
        self.created: list[str] = []
        user_model = get_user_model()
        fields = {
            name: cast(models.Field, user_model._meta.get_field(name))
            for name in ("id", "email", "first_name", "last_name")
        }
        listed: dict[str, tuple[str, str]] = {}
        for sheet, number, values in source.users():
            try:
                source_id = decode(values[0], fields["id"])
                email = decode(values[1], fields["email"]).strip().lower()
                names = (decode(values[2], fields["first_name"]), decode(values[3], fields["last_name"]))
            except CellError as exc:
                raise BackupFileError(str(exc), sheet=sheet, row=number) from None
            if not email:
                raise BackupFileError(
                    "an e-mail address is required", sheet=sheet, row=number, column="email"
                )
            listed[email] = names
            self.source_ids[email] = source_id
        found = dict(user_model._base_manager.filter(email__in=list(listed)).values_list("email", "pk"))
        for email, (first, last) in sorted(listed.items()):
            if email not in found:
                user = user_model(email=email, first_name=first, last_name=last, is_active=False)
                user.set_unusable_password()
                user.save()
                found[email] = user.pk
                self.created.append(email)
        self.by_email = found

    def id_of(self, email: str) -> int | None:
        return self.by_email.get(email.strip().lower())


def _insert(model: type[models.Model], fields: list[models.Field], objs: list[models.Model]) -> list[int]:
    """INSERT the rows as they are (no auto_now, no defaults) and return their new ids, in order."""
    if not objs:
        return []
    manager = model._base_manager
    ids: list[int] = []
    batch = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), batch):
        returned = manager._insert(  # type: ignore[attr-defined]  # Django's bulk insert, raw values
            objs[start : start + batch], fields=fields, returning_fields=[model._meta.pk], raw=True
        )
        ids.extend(row[0] for row in returned)
    return ids


class _Chain:
    """Checks the file's chain of one ledger (when the key is known) and chains it anew."""

    def __init__(self, spec: LedgerSpec, table: BackupTable, source_org: int, new_org: int, users: _Users):
        self.spec = spec
        self.names = [c.name for c in table.columns]
        self.attnames = [c.field.attname for c in table.columns]
        self.source_org, self.new_org = source_org, new_org
        self.keys = ledger_keys()
        self.key_id, self.key = current_key()
        self.users = users
        self.prev_source = GENESIS_HASH
        self.prev_new = GENESIS_HASH
        self.expected = 1
        self.checked = True

    def _body(self, values: dict[str, Any], org: int, key_id: str) -> str:
        own = self.spec.texts([values[name] for name in self.spec.fields])[0]
        return entry_body(
            key_id,
            org,
            values["sequence"],
            values["period_id"],
            values["kind"],
            values["corrects_id"],
            f"{values['amount']:.2f}",
            own,
        )

    def check_source(self, source: dict[str, Any], sheet: str, number: int) -> None:
        if source["sequence"] != self.expected:
            raise BackupFileError(
                f"sequence {source['sequence']} where {self.expected} was expected", sheet=sheet, row=number
            )
        if source["prev_hash"] != self.prev_source:
            raise BackupFileError(CHAIN_MISMATCH.format(what="prev_hash"), sheet=sheet, row=number)
        key = self.keys.get(source["key_id"])
        if key is None:
            self.checked = False
        elif (
            link_hash(key, source["prev_hash"], self._body(source, self.source_org, source["key_id"]))
            != source["hash"]
        ):
            raise BackupFileError(CHAIN_MISMATCH.format(what="hash"), sheet=sheet, row=number)
        self.prev_source = source["hash"]
        self.expected += 1

    def seal(self, values: dict[str, Any]) -> None:
        """Chain the restored entry (new ids) after the previous one, under the current key."""
        values["key_id"] = self.key_id
        values["prev_hash"] = self.prev_new
        values["hash"] = link_hash(self.key, self.prev_new, self._body(values, self.new_org, self.key_id))
        self.prev_new = values["hash"]


class _Restore:
    def __init__(self, source: BackupSource, readme: Readme, organization: Organization, progress):
        self.source = source
        self.readme = readme
        self.organization = organization
        self.progress = progress
        self.ids: dict[str, dict[int, int]] = {}
        self.deferred: list[tuple[BackupTable, str, int, int]] = []  # table, attname, new id, old target
        self.result = RestoreResult(organization=organization)
        self.done = 0
        self.total = sum(t.rows for t in readme.tables.values())
        self.specs = {spec.name: spec for spec in registered_ledgers()}

    def run(self) -> RestoreResult:
        users = _Users(self.source)
        self.users = users
        self.result.users_created = users.created
        self.result.users_linked = len(users.by_email) - len(users.created)
        tables = backup_tables()
        known = {t.label for t in tables}
        for label in self.readme.tables:
            if label not in known:
                raise BackupFileError(UNKNOWN_TABLE.format(label=label))
        seal_models = {spec.seal_model for spec in self.specs.values()}
        # Seals name a hash of their ledger: restored once the entries are chained anew.
        ordered = [t for t in tables if t.model not in seal_models] + [
            t for t in tables if t.model in seal_models
        ]
        for table in ordered:
            listing = self.readme.tables.get(table.label)
            if listing is None:
                raise BackupFileError(NOT_LISTED.format(label=table.label))
            self._table(table, listing.sheets or (listing.sheet,), listing.rows)
        self._complete_deferred()
        for spec in self.specs.values():
            self._head(spec)
        self._check_totals(tables)
        return self.result

    def _value(self, table: BackupTable, column, raw: Any, sheet: str, number: int) -> tuple[Any, Any]:
        """(source value, restored value) of one cell."""
        if column.kind == "user":
            if raw in (None, ""):
                if not column.field.null:
                    raise BackupFileError("a user is required", sheet=sheet, row=number, column=column.name)
                return None, None
            email = decode_text(str(raw)).strip().lower()
            user_id = self.users.id_of(email)
            if user_id is None:
                raise BackupFileError(
                    UNKNOWN_USER.format(email=email), sheet=sheet, row=number, column=column.name
                )
            return self.users.source_ids.get(email), user_id
        try:
            value = decode(raw, column.field)
        except CellError as exc:
            raise BackupFileError(str(exc), sheet=sheet, row=number, column=column.name) from None
        if column.kind in ("ref", "ledger_ref") and value is not None:
            if column.name in table.deferred:
                return value, None
            new = self.ids.get(column.target or "", {}).get(value)
            if new is None:
                raise BackupFileError(
                    BROKEN_REFERENCE.format(value=value, target=column.target),
                    sheet=sheet,
                    row=number,
                    column=column.name,
                )
            return value, new
        return value, value

    def _table(self, table: BackupTable, sheets: tuple[str, ...], listed_rows: int) -> None:
        model = table.model
        header = [c.name for c in table.columns]
        insert_fields = [c.field for c in table.columns if not c.field.primary_key]
        org_field = model._meta.get_field("organization") if table.org_path == "organization_id" else None
        if org_field is not None:
            insert_fields.append(cast(models.Field, org_field))
        spec = self.specs.get(table.ledger or "")
        chain = (
            _Chain(
                spec,
                table,
                int(self.readme.meta.get("Source organization id") or 0),
                self.organization.pk,
                self.users,
            )
            if spec is not None
            else None
        )
        seal = next((s for s in self.specs.values() if s.seal_model is model), None)
        ids = self.ids.setdefault(table.label, {})
        money = {c.name: Decimal("0.00") for c in table.money_columns}
        rows = 0
        pending: list[tuple[int, models.Model, list[tuple[str, int]]]] = []
        seen: set[int] = set()
        corrects_at = next((i for i, c in enumerate(table.columns) if c.kind == "ledger_ref"), None)
        for sheet, number, values in self.source.rows(sheets, header, table.label):
            rows += 1
            if corrects_at is not None and pending and values[corrects_at] not in (None, ""):
                # A correction of an entry still in this batch: write the batch first (its new id).
                try:
                    corrected = decode(values[corrects_at], table.columns[corrects_at].field)
                except CellError:
                    corrected = None
                if corrected is not None and corrected not in ids and corrected in seen:
                    self._flush(table, insert_fields, pending, sheet)
            source: dict[str, Any] = {}
            restored: dict[str, Any] = {}
            later: list[tuple[str, int]] = []
            for column, raw in zip(table.columns, values, strict=True):
                old, new = self._value(table, column, raw, sheet, number)
                source[column.field.attname] = old
                restored[column.field.attname] = new
                if column.name in table.deferred and old is not None:
                    later.append((column.field.attname, old))
                if column.name in money and new is not None:
                    money[column.name] += new
            old_id = restored.pop(model._meta.pk.attname)
            if old_id in seen:
                raise BackupFileError(f"id {old_id} appears twice", sheet=sheet, row=number, column="id")
            seen.add(old_id)
            if chain is not None:
                chain.check_source(source, sheet, number)
                chain.seal(restored)
            if seal is not None:
                restored["last_hash"] = self._sealed_hash(seal, restored["last_sequence"], sheet, number)
            if org_field is not None:
                restored["organization_id"] = self.organization.pk
            pending.append((old_id, model(**restored), later))
            if len(pending) >= BATCH:
                self._flush(table, insert_fields, pending, sheet)
        self._flush(table, insert_fields, pending, sheets[-1] if sheets else table.sheet)
        if chain is not None and not chain.checked:
            self.result.source_chain_checked = False
        self.result.rows[table.label] = rows
        sheet_name = sheets[0] if sheets else table.sheet
        if rows != listed_rows:
            raise BackupFileError(COUNT_MISMATCH.format(rows=rows, expected=listed_rows), sheet=sheet_name)
        for name, total in money.items():
            expected = self.readme.totals.get((sheet_name, name))
            if expected is not None and expected != total:
                raise BackupFileError(
                    TOTAL_MISMATCH.format(column=name, found=total, expected=expected), sheet=sheet_name
                )
        if spec is not None and chain is not None:
            head = self.readme.ledgers.get(spec.name)
            if head is not None and (
                head.entries != rows or (rows and head.last_sequence != chain.expected - 1)
            ):
                raise BackupFileError(
                    f"the ledger holds {rows} entries, but the README's chain head says {head.entries}",
                    sheet=sheet_name,
                )
            self.result.ledgers[spec.name] = rows

    def _sealed_hash(self, spec: LedgerSpec, sequence: int, sheet: str, number: int) -> str:
        if not sequence:
            return GENESIS_HASH
        found = (
            spec.entry_model.objects.filter(organization_id=self.organization.pk, sequence=sequence)
            .values_list("hash", flat=True)
            .first()
        )
        if found is None:
            raise BackupFileError(
                f"names entry #{sequence}, which is not in the ledger",
                sheet=sheet,
                row=number,
                column="last_sequence",
            )
        return found

    def _flush(self, table: BackupTable, fields: list[models.Field], pending: list, sheet: str) -> None:
        if not pending:
            return
        try:
            with transaction.atomic():
                new_ids = _insert(table.model, fields, [obj for _old, obj, _later in pending])
        except (IntegrityError, DatabaseError) as exc:
            first = pending[0][0]
            raise BackupFileError(
                f"the database refused the rows from id {first} on: {exc}".strip(), sheet=sheet
            ) from None
        ids = self.ids[table.label]
        for (old, _obj, later), new in zip(pending, new_ids, strict=True):
            ids[old] = new
            for attname, target_old in later:
                self.deferred.append((table, attname, new, target_old))
        self.done += len(pending)
        if self.progress is not None:
            self.progress(self.done, self.total)
        pending.clear()

    def _complete_deferred(self) -> None:
        for table, attname, new_id, target_old in self.deferred:
            column = next(c for c in table.columns if c.field.attname == attname)
            target_new = self.ids.get(column.target or "", {}).get(target_old)
            if target_new is None:
                raise BackupFileError(
                    BROKEN_REFERENCE.format(value=target_old, target=column.target),
                    sheet=table.sheet,
                    column=column.name,
                )
            table.model._base_manager.filter(pk=new_id).update(**{attname: target_new})

    def _head(self, spec: LedgerSpec) -> None:
        last = (
            spec.entry_model.objects.filter(organization_id=self.organization.pk)
            .order_by("-sequence")
            .values_list("sequence", "hash")
            .first()
        )
        if last is not None:
            LedgerHead.objects.create(
                organization=self.organization, ledger=spec.name, last_sequence=last[0], last_hash=last[1]
            )
        report = ledger_verify(spec=spec, organization=self.organization)
        if report.problem is not None:
            raise ApplicationError(
                VERIFY_FAILED.format(
                    ledger=spec.name, sequence=report.problem.sequence, problem=report.problem.problem
                )
            )

    def _check_totals(self, tables) -> None:
        """The restored organization's rows and money, counted by the database, equal the README's."""
        for table in tables:
            listing = self.readme.tables[table.label]
            qs = table_queryset(table, self.organization.pk)
            if qs.count() != listing.rows:
                raise ApplicationError(
                    f"{table.sheet}: restored {qs.count()} rows, the README says {listing.rows}"
                )
            for column in table.money_columns:
                expected = self.readme.totals.get((listing.sheet, column.name))
                found = qs.aggregate(total=Sum(column.field.attname))["total"] or Decimal("0.00")
                if expected is not None and found != expected:
                    raise ApplicationError(
                        f"{table.sheet}: restored {column.name} totals {found}, the README says {expected}"
                    )


def backup_restore(
    *, file: IO[bytes], slug: str, name: str | None = None, progress: Progress | None = None, admin=None
) -> RestoreResult:
    """Restore the backup in `file` into the organization `slug` (created, or existing and empty).

    One transaction: a bad file (or any refusal) leaves nothing behind, not even the
    organization or the users it would have created. `admin`, when given, becomes an admin
    of the new organization unless the file already makes them a member.
    """
    source = BackupSource(file)
    try:
        readme = source.readme()
        with transaction.atomic():
            organization = _target_organization(slug, readme, name, admin)
            result = _Restore(source, readme, organization, progress).run()
            if admin is not None:
                Membership.objects.get_or_create(
                    organization=organization, user=admin, defaults={"role": Role.ADMIN}
                )
            return result
    finally:
        source.close()
