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

from revops.backup.codec import CellError, column_decoder, decode, decode_text
from revops.backup.reader import BackupFileError, BackupSource, Readme
from revops.backup.registry import BackupTable, backup_tables
from revops.backup.writer import table_queryset
from revops.bulk import IdPool, bulk_insert
from revops.exceptions import ApplicationError
from revops.ledger.chain import GENESIS_HASH
from revops.ledger.rechain import ChainedEntry, Rechain, SourceChain
from revops.ledger.spec import LedgerSpec, registered_ledgers
from revops.ledger.verify import ledger_verify
from revops.models import LedgerHead, Membership, Organization, Role

NOT_EMPTY = (
    "Organization {slug!r} already holds data ({what}): a backup restores only into an empty organization."
)
NOT_YOURS = "Organization {slug!r} already exists and you are not its admin: choose a new name."
UNKNOWN_TABLE = "The README lists {label}, which this installation does not have."
BROKEN_REFERENCE = "refers to id {value} of {target}, which is not in the file"
UNKNOWN_USER = "names user {email!r}, who is not on the users sheet"
COUNT_MISMATCH = "{rows} rows, but the README says {expected}"
TOTAL_MISMATCH = "column {column} totals {found}, but the README says {expected}"
CHAIN_MISMATCH = "does not match its ledger hash (the file was edited): {what}"
VERIFY_FAILED = "The restored ledger {ledger} does not verify: entry #{sequence}: {problem}"

Progress = Callable[[int, int], None]


@dataclass
class RestoreResult:
    organization: Organization
    rows: dict[str, int] = field(default_factory=dict)
    users_linked: int = 0
    users_created: list[str] = field(default_factory=list)
    ledgers: dict[str, int] = field(default_factory=dict)
    source_chain_checked: bool = True
    # Tables this version has that the file's README does not list (an earlier version wrote
    # it): restored empty.
    not_in_file: list[str] = field(default_factory=list)
    # Columns of the file this version no longer has ("Sheet.column"): left out.
    columns_left_out: list[str] = field(default_factory=list)

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


# Rows per id allocation and per COPY (INSERT batch on SQLite): one statement each, big enough
# that per-statement costs vanish, small enough that a batch stays a few megabytes in memory.
BATCH = 5000
# How each column of a table is read (see _TableLoad).
VALUE, REF, DEFERRED, LEDGER_REF, USER = range(5)
KINDS = {"value": VALUE, "ref": REF, "ledger_ref": LEDGER_REF, "user": USER}


class _Ids:
    """New ids of one table, drawn a batch at a time (`revops.bulk.IdPool`) as rows are read.

    A row's new id is known as soon as it is read, so a later row of the same table (a
    ledger's correction) can cite it before either is written. Draws follow the README's row
    count, so a table takes no more ids than it has rows.
    """

    def __init__(self, model: type[models.Model], listed: int):
        self.pool = IdPool(model)
        self.left = listed
        self.ready: list[int] = []
        self.at = 0

    def next(self) -> int:
        if self.at == len(self.ready):
            count = min(BATCH, self.left) if self.left > 0 else BATCH
            self.ready, self.at = self.pool.take(count), 0
            self.left -= count
        new = self.ready[self.at]
        self.at += 1
        return new


class _TableLoad:
    """One table: read its rows, give each a new id, remap references, write in batches."""

    def __init__(self, restore: _Restore, table: BackupTable, listed_rows: int):
        self.restore = restore
        self.table = table
        model = table.model
        self.header = [c.name for c in table.columns]
        # Columns a file written before they existed may lack: those that may be empty.
        self.optional = frozenset(c.name for c in table.columns if c.field.null and not c.field.primary_key)
        self.pk_at = next(i for i, c in enumerate(table.columns) if c.field.primary_key)
        self.fields = [c.field.attname for c in table.columns]
        self.org = table.org_path == "organization_id"
        if self.org:
            self.fields.append("organization_id")
        json_prep = connection.vendor == "postgresql"
        self.plan: list[tuple[int, Callable[[Any], Any], dict[int, int] | None]] = []
        for column in table.columns:
            kind = KINDS[column.kind]
            if kind == REF and column.name in table.deferred:
                kind = DEFERRED
            decode_cell = column_decoder(column.field)
            if json_prep and isinstance(column.field, models.JSONField):
                decode_cell = _json_for_copy(decode_cell, column.field)
            targets = restore.ids.setdefault(column.target or "", {}) if kind in (REF, LEDGER_REF) else None
            self.plan.append((kind, decode_cell, targets))
        self.ids = restore.ids.setdefault(table.label, {})
        self.new_ids = _Ids(model, listed_rows)
        self.money = [(self.header.index(c.name), c.name) for c in table.money_columns]
        self.totals = {name: Decimal("0.00") for _i, name in self.money}
        spec = restore.specs.get(table.ledger or "")
        self.spec = spec
        if spec is not None:
            at = [c.field.attname for c in table.columns].index
            self.base_at = [at(name) for name in ("sequence", "period_id", "kind", "corrects_id", "amount")]
            self.own_at = [at(name) for name in spec.fields]
            self.seal_at = [at(name) for name in ("key_id", "prev_hash", "hash")]
            self.source_chain = SourceChain(spec=spec, organization_id=restore.source_org)
            self.rechain = Rechain(spec=spec, organization_id=restore.organization.pk)
        self.seal_spec = next((s for s in restore.specs.values() if s.seal_model is model), None)
        self.rows = 0

    def _cells(
        self, values: tuple, sheet: str, number: int
    ) -> tuple[list[Any], list[Any] | None, list[tuple[int, int]]]:
        """(restored values, source values for a ledger's check, deferred references) of one row."""
        restored: list[Any] = []
        source: list[Any] | None = [] if self.spec is not None else None
        later: list[tuple[int, int]] = []
        for i, (kind, decode_cell, targets) in enumerate(self.plan):
            raw = values[i]
            if kind == USER:
                old, new = self._user(raw, i, sheet, number)
            else:
                try:
                    old = new = decode_cell(raw)
                except CellError as exc:
                    raise BackupFileError(str(exc), sheet=sheet, row=number, column=self.header[i]) from None
                if old is not None and kind != VALUE:
                    if kind == DEFERRED:
                        later.append((i, old))
                        new = None
                    else:
                        new = targets.get(old)  # type: ignore[union-attr]
                        if new is None:
                            raise BackupFileError(
                                BROKEN_REFERENCE.format(value=old, target=self.table.columns[i].target),
                                sheet=sheet,
                                row=number,
                                column=self.header[i],
                            )
            restored.append(new)
            if source is not None:
                source.append(old)
        return restored, source, later

    def _user(self, raw: Any, i: int, sheet: str, number: int) -> tuple[Any, Any]:
        column = self.table.columns[i]
        if raw in (None, ""):
            if not column.field.null:
                raise BackupFileError("a user is required", sheet=sheet, row=number, column=column.name)
            return None, None
        email = decode_text(str(raw)).strip().lower()
        users = self.restore.users
        user_id = users.id_of(email)
        if user_id is None:
            raise BackupFileError(
                UNKNOWN_USER.format(email=email), sheet=sheet, row=number, column=column.name
            )
        return users.source_ids.get(email), user_id

    def _entry(self, values: list[Any]) -> ChainedEntry:
        sequence, period, kind, corrects, amount = (values[i] for i in self.base_at)
        return ChainedEntry(sequence, period, kind, corrects, amount, [values[i] for i in self.own_at])

    def load(self, sheets: tuple[str, ...]) -> int:
        batch: list[list[Any]] = []
        entries: list[ChainedEntry] = []
        first_row = (sheets[0] if sheets else self.table.sheet, 2)
        pk_at, org_id = self.pk_at, self.restore.organization.pk
        for sheet, number, values in self.restore.source.rows(
            sheets, self.header, self.table.label, self.optional
        ):
            restored, source, later = self._cells(values, sheet, number)
            self.rows += 1
            old_id = restored[pk_at]
            if old_id in self.ids:
                raise BackupFileError(f"id {old_id} appears twice", sheet=sheet, row=number, column="id")
            new_id = restored[pk_at] = self.ids[old_id] = self.new_ids.next()
            for i, name in self.money:
                if restored[i] is not None:
                    self.totals[name] += restored[i]
            for i, target_old in later:
                self.restore.deferred.append((self.table, i, new_id, target_old))
            if source is not None:
                self._check_source(source, sheet, number)
                entries.append(self._entry(restored))
            if self.seal_spec is not None:
                at = self.header.index
                restored[at("last_hash")] = self.restore.sealed_hash(
                    self.seal_spec, restored[at("last_sequence")], sheet, number
                )
            if self.org:
                restored.append(org_id)
            if not batch:
                first_row = (sheet, number)
            batch.append(restored)
            if len(batch) >= BATCH:
                self._write(batch, entries, first_row)
        self._write(batch, entries, first_row)
        return self.rows

    def _check_source(self, source: list[Any], sheet: str, number: int) -> None:
        key_id, prev_hash, digest = (source[i] for i in self.seal_at)
        problem = self.source_chain.check(self._entry(source), key_id, prev_hash, digest)
        if problem in ("prev_hash", "hash"):
            raise BackupFileError(CHAIN_MISMATCH.format(what=problem), sheet=sheet, row=number)
        if problem is not None:
            raise BackupFileError(problem, sheet=sheet, row=number)

    def _write(self, batch: list[list[Any]], entries: list[ChainedEntry], first_row: tuple[str, int]) -> None:
        if not batch:
            return
        if self.spec is not None:
            for values, link in zip(batch, self.rechain.batch(entries), strict=True):
                for i, value in zip(self.seal_at, link, strict=True):
                    values[i] = value
            entries.clear()
        sheet, number = first_row
        try:
            with transaction.atomic():
                bulk_insert(self.table.model, self.fields, batch, as_given=True)
        except (IntegrityError, DatabaseError) as exc:
            raise BackupFileError(
                f"the database refused the rows from this one on: {exc}".strip(), sheet=sheet, row=number
            ) from None
        self.restore.wrote(len(batch))
        batch.clear()


def _json_for_copy(decode_cell: Callable[[Any], Any], field: models.Field) -> Callable[[Any], Any]:
    """A JSON column's reader for PostgreSQL's COPY: the value wrapped as the ORM sends it."""
    encoder = getattr(field, "encoder", None)

    def decoder(raw: Any) -> Any:
        value = decode_cell(raw)
        return None if value is None else connection.ops.adapt_json_value(value, encoder)

    return decoder


class _Restore:
    def __init__(self, source: BackupSource, readme: Readme, organization: Organization, progress):
        self.source = source
        self.readme = readme
        self.organization = organization
        self.progress = progress
        self.source_org = int(readme.meta.get("Source organization id") or 0)
        self.ids: dict[str, dict[int, int]] = {}
        self.deferred: list[tuple[BackupTable, int, int, int]] = []  # table, column, new id, old target
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
        heads = []
        for table in ordered:
            listing = self.readme.tables.get(table.label)
            if listing is None:
                # A table added after the file was written: the version that wrote it had
                # none of its rows to give.
                self.result.not_in_file.append(table.label)
                self.result.rows[table.label] = 0
                continue
            load = self._table(table, listing.sheets or (listing.sheet,), listing.rows)
            if load.spec is not None:
                heads.append(load)
        self._complete_deferred()
        for load in heads:
            self._head(load)
        self._check_totals(tables)
        self.result.columns_left_out = list(self.source.ignored_columns)
        return self.result

    def wrote(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)

    def _table(self, table: BackupTable, sheets: tuple[str, ...], listed_rows: int) -> _TableLoad:
        load = _TableLoad(self, table, listed_rows)
        rows = load.load(sheets)
        spec = load.spec
        if spec is not None and not load.source_chain.checked:
            self.result.source_chain_checked = False
        self.result.rows[table.label] = rows
        sheet_name = sheets[0] if sheets else table.sheet
        if rows != listed_rows:
            raise BackupFileError(COUNT_MISMATCH.format(rows=rows, expected=listed_rows), sheet=sheet_name)
        for name, total in load.totals.items():
            expected = self.readme.totals.get((sheet_name, name))
            if expected is not None and expected != total:
                raise BackupFileError(
                    TOTAL_MISMATCH.format(column=name, found=total, expected=expected), sheet=sheet_name
                )
        if spec is not None:
            head = self.readme.ledgers.get(spec.name)
            if head is not None and (
                head.entries != rows or (rows and head.last_sequence != load.source_chain.expected - 1)
            ):
                raise BackupFileError(
                    f"the ledger holds {rows} entries, but the README's chain head says {head.entries}",
                    sheet=sheet_name,
                )
            self.result.ledgers[spec.name] = rows
        return load

    def sealed_hash(self, spec: LedgerSpec, sequence: int, sheet: str, number: int) -> str:
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

    def _complete_deferred(self) -> None:
        """Set the references inside cycles, one UPDATE statement per column (run per row)."""
        updates: dict[tuple[BackupTable, int], list[tuple[int, int]]] = {}
        for table, at, new_id, target_old in self.deferred:
            column = table.columns[at]
            target_new = self.ids.get(column.target or "", {}).get(target_old)
            if target_new is None:
                raise BackupFileError(
                    BROKEN_REFERENCE.format(value=target_old, target=column.target),
                    sheet=table.sheet,
                    column=column.name,
                )
            updates.setdefault((table, at), []).append((target_new, new_id))
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for (table, at), pairs in updates.items():
                meta = table.model._meta
                name = table.columns[at].field.column
                # names come from model metadata; values are bound
                cursor.executemany(
                    f"UPDATE {quote(meta.db_table)} SET {quote(name)} = %s "  # noqa: S608
                    f"WHERE {quote(meta.pk.column)} = %s",
                    pairs,
                )

    def _head(self, load: _TableLoad) -> None:
        spec = load.spec
        assert spec is not None
        load.rechain.finish()
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
            listing = self.readme.tables.get(table.label)
            if listing is None:
                continue  # not in the file: restored empty (`not_in_file`)
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
