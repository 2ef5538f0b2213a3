"""What each actor's row scope holds in the world, by sentinel word (see world.py).

Stated per actor, not derived from the permission table: this is what a reader of the
README expects, and the selectors must give exactly this.
"""

from __future__ import annotations

NOTHING: frozenset[str] = frozenset()
ACME_DEALS = frozenset({"Kestrel", "Osprey", "Plover"})
ACME_ACCOUNTS = ACME_DEALS | {"Heron"}
# Linnet: the partner of the registration link (not a sentinel word: its link shows its name).
ACME_PARTNERS = frozenset({"Northwind", "Wren", "Contoso", "Linnet"})

# actor → (deals, accounts) they see, by the word their names start with.
DEALS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "anonymous": (NOTHING, NOTHING),
    "admin": (ACME_DEALS, ACME_ACCOUNTS),
    # Their report's deal and both of the report's accounts (Heron has no deal); not Plover,
    # whose rep only shares the team name.
    "manager": (frozenset({"Kestrel"}), frozenset({"Kestrel", "Heron"})),
    "finance": (ACME_DEALS, ACME_ACCOUNTS),
    "rep": (frozenset({"Kestrel"}), frozenset({"Kestrel", "Heron"})),
    "partner": (NOTHING, NOTHING),
    "outsider": (frozenset({"Ibis"}), frozenset({"Ibis"})),
    "other_rep": (frozenset({"Osprey"}), frozenset({"Osprey"})),
    "other_manager": (frozenset({"Osprey"}), frozenset({"Osprey"})),
    "other_partner": (NOTHING, NOTHING),
}

PARTNERS: dict[str, frozenset[str]] = {
    "anonymous": NOTHING,
    "admin": ACME_PARTNERS,
    "manager": ACME_PARTNERS,
    "finance": ACME_PARTNERS,
    "rep": ACME_PARTNERS,
    "partner": frozenset({"Northwind"}),
    "outsider": frozenset({"Ibis"}),
    "other_rep": ACME_PARTNERS,
    "other_manager": ACME_PARTNERS,
    "other_partner": frozenset({"Wren"}),
}

# Ledger entries: internal actors see those of the revenue of deals they see; a partner user
# those crediting their partner, on whatever deal.
ENTRY_PARTNER: dict[str, str] = {"partner": "Northwind", "other_partner": "Wren"}
EXPECTED_CREDITS = {("Northwind", "Kestrel"), ("Wren", "Osprey"), ("Northwind", "Plover"), ("Ibis", "Ibis")}
