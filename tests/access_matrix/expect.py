"""How the matrix states one route: method, object, body, and the status each actor must get."""

from __future__ import annotations

from dataclasses import dataclass, field

ACTORS = ("anonymous", "admin", "manager", "finance", "rep", "partner", "outsider")


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

Status = int | Redirect


@dataclass(frozen=True)
class Entry:
    """One row of the matrix.

    `expect` holds one status per actor, in ACTORS order. `obj` names a row of the world
    (tests/access_matrix/world.py) whose id fills the route's pk / object_id / id.
    """

    expect: tuple[Status, ...]
    obj: str | None = None
    method: str = "GET"
    data: dict = field(default_factory=dict)
    query: str = ""
    kwargs: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.expect) != len(ACTORS):
            raise ValueError(f"{len(self.expect)} statuses for {len(ACTORS)} actors: {self.expect}")
