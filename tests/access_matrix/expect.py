"""How the matrix states one request: method, object, body, and the status each actor must get."""

from __future__ import annotations

from dataclasses import dataclass, field

# Columns of every matrix row. `outsider` is an admin of another organization; `other_rep`,
# `other_manager` and `other_partner` are the same organization's other team and other
# partner (see world.py).
ACTORS = (
    "anonymous",
    "admin",
    "manager",
    "finance",
    "rep",
    "partner",
    "outsider",
    "other_rep",
    "other_manager",
    "other_partner",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location path (query string aside) is exactly `to`."""

    to: str

    def __repr__(self) -> str:
        return f"302→{self.to}"


LOGIN = Redirect("/accounts/login/")  # the product's sign-in page
ADMIN_LOGIN = Redirect("/admin/login/")  # the admin's sign-in, which forwards to LOGIN
ADMIN_MISSING = Redirect("/admin/")  # the admin's "doesn't exist" answer for rows out of scope
HOME = Redirect("/")
PORTAL = Redirect("/portal/")  # a partner user asking for the product's home

Status = int | Redirect


@dataclass(frozen=True)
class Entry:
    """One request of the matrix, asked as each of `actors`.

    `expect` holds one status per actor, in `actors` order (every column of ACTORS unless a
    row says why it asks fewer). `obj` names a row of the world (tests/access_matrix/world.py)
    whose id fills the route's pk / object_id / id. `hx` sends it as an HTMX request, so the
    view answers with its partial.
    """

    expect: tuple[Status, ...]
    obj: str | None = None
    method: str = "GET"
    data: dict = field(default_factory=dict)
    query: str = ""
    kwargs: dict = field(default_factory=dict)
    hx: bool = False
    actors: tuple[str, ...] = ACTORS

    def __post_init__(self) -> None:
        if len(self.expect) != len(self.actors):
            raise ValueError(f"{len(self.expect)} statuses for {len(self.actors)} actors: {self.expect}")
        if self.method not in METHODS:
            raise ValueError(f"unknown method {self.method}")

    @property
    def label(self) -> str:
        """What tells two requests of one route apart in a test id."""
        parts = [self.method]
        if self.obj is not None:
            parts.append(self.obj)
        if self.query:
            parts.append(self.query)
        if self.hx:
            parts.append("hx")
        return " ".join(parts)
