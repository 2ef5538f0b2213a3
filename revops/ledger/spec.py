"""What a ledger is, for the kit: a `LedgerSpec`, registered once per ledger from AppConfig.ready."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from revops.ledger.chain import ChainBreak, hash_text

NULL = "\\N"  # COPY text format's NULL

# A row handed to the writer: (posting period id, kind, id of the entry it corrects or None,
# amount in cents, *the ledger's own fields in `LedgerSpec.fields` order).
LedgerRow = tuple

DUPLICATE_LEDGER = "A ledger named {name!r} is already registered with another spec."
UNKNOWN_LEDGER = "No ledger named {name!r} is registered (known: {known})."


def _copy_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def default_texts(values: Sequence[object]) -> tuple[str, str]:
    """(hash text, COPY text) of a row's own fields: "|"-joined for the hash, tab-joined for COPY.

    Plain ints and strings without special characters are the same in both; None is "" in the
    hash and \\N in COPY. Ledgers whose fields are all ids, codes and amounts need nothing else.
    """
    hashed = []
    copied = []
    for value in values:
        if value is None:
            hashed.append("")
            copied.append(NULL)
        elif type(value) is int:
            text = str(value)
            hashed.append(text)
            copied.append(text)
        else:
            hashed.append(hash_text(value))
            copied.append(_copy_escape(value if isinstance(value, str) else hash_text(value)))
    return "|".join(hashed), "\t".join(copied)


@dataclass(frozen=True)
class Reference:
    """A column of the entry that names a row of another table, checked once per posting.

    The entry table carries no database foreign key for it (each one is a lookup per row at
    commit); the writer checks the distinct ids of a posting in one query per chunk instead:
    each must exist and, when `organization_field` is set, belong to the posting's organization.
    """

    column: str  # the entry's column, e.g. "partner_id"
    model: type[Any]  # a Django model
    organization_field: str | None = "organization_id"


@dataclass(frozen=True)
class LedgerSpec:
    """One ledger: its entry model, the fields its hash covers in order, its seal and side tables.

    - `fields`: the entry's own columns after the base ones, in hash order (the base fields —
      organization, sequence, period, kind, corrects, amount, key id — always come first).
    - `texts`: how a row's own fields are written, (hash text, COPY text); default
      `default_texts`. The writer and `verify_ledger` both use it, so they cannot disagree.
    - `references`: columns checked set-based once per posting (see `Reference`).
    - `totals_model` / `totals_fields`: an optional table of posted sums the writer keeps in
      the same transaction (entries and amount per distinct `totals_fields` values).
    - `extra_checks`: more verification for side tables (organization → problems found).
    - `after_append`: keeps the ledger's own side tables in the posting's transaction, called
      with (organization id, last sequence before the posting) after the rows are written;
      `side_models` names those tables, analysed with the entries after a big posting.
    """

    name: str
    entry_model: type[Any]  # a concrete subclass of LedgerEntryBase (a Django model)
    seal_model: type[Any]  # a concrete subclass of the seal base
    fields: tuple[str, ...]
    texts: Callable[[Sequence[object]], tuple[str, str]] = default_texts
    references: tuple[Reference, ...] = ()
    totals_model: type[Any] | None = None
    totals_fields: tuple[str, ...] = ()
    extra_checks: Callable[..., list[ChainBreak]] | None = None
    after_append: Callable[[int, int], None] | None = None
    # Side tables `after_append` fills: analysed with the entries after a big posting.
    side_models: tuple[type[Any], ...] = ()
    label: str = field(default="")

    @property
    def title(self) -> str:
        return self.label or self.name


_REGISTRY: dict[str, LedgerSpec] = {}


def register_ledger(spec: LedgerSpec) -> LedgerSpec:
    """Register a ledger (AppConfig.ready); registering the same spec again is a no-op."""
    existing = _REGISTRY.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(DUPLICATE_LEDGER.format(name=spec.name))
    _REGISTRY[spec.name] = spec
    return spec


def unregister_ledger(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered_ledgers() -> list[LedgerSpec]:
    """Every registered ledger, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]


def ledger_spec_of(model: type) -> LedgerSpec:
    """The registered ledger whose entry model is `model`."""
    for spec in _REGISTRY.values():
        if spec.entry_model is model:
            return spec
    raise LookupError(
        UNKNOWN_LEDGER.format(name=model.__name__, known=", ".join(sorted(_REGISTRY)) or "none")
    )


def ledger_spec(name: str) -> LedgerSpec:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise LookupError(UNKNOWN_LEDGER.format(name=name, known=known)) from None
