"""A fake Odoo speaking the external XML-RPC API on 127.0.0.1.

`/xmlrpc/2/common`: `version`, `authenticate(db, login, password, {})` → uid or False.
`/xmlrpc/2/object`: `execute_kw(db, uid, password, model, method, args, kwargs)` with
`search_read` (domain in Odoo's prefix notation: `=`, `!=`, `in`, `not in`, `ilike`, `<`, `>`,
`<=`, `>=`, `&`, `|`, `!`; `fields`, `offset`, `limit`, `order`), `search_count`, `read` and
`write`, on any model the test defines (`crm.lead` and `res.users` out of the box). Many2one
fields are answered as `[id, display_name]` (or False), like Odoo. Bad credentials, unknown
models or fields and records the test marks invalid answer `xmlrpc.client.Fault` with Odoo's
fault codes. Every `execute_kw` is appended to `calls` as (model, method, args, kwargs).
"""

from __future__ import annotations

import threading
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xmlrpc.server import MultiPathXMLRPCServer, SimpleXMLRPCDispatcher, SimpleXMLRPCRequestHandler

ACCESS_DENIED = 3
USER_ERROR = 2
APPLICATION_ERROR = 1


@dataclass
class Model:
    """One model's records and field types: `many2one` maps a field to its comodel."""

    name: str
    many2one: dict[str, str] = field(default_factory=dict)
    many2many: dict[str, str] = field(default_factory=dict)
    records: dict[int, dict] = field(default_factory=dict)
    next_id: int = 1
    display: str = "name"


class FakeOdoo:
    """The server's state; `start()` serves it on an ephemeral port in a thread."""

    def __init__(self, *, database: str = "acme", users: dict[str, str] | None = None) -> None:
        self.database = database
        self.passwords: dict[int, str] = {}
        self.calls: list[tuple[str, str, list, dict]] = []
        self.invalid_ids: dict[int, str] = {}  # crm.lead id → ValidationError message on write
        self.lock = threading.Lock()
        self.models: dict[str, Model] = {}
        self.define("res.users")
        self.define("utm.source")
        self.define("utm.campaign")
        self.define("crm.stage")
        self.define("crm.tag")
        self.define(
            "crm.lead",
            many2one={
                "user_id": "res.users",
                "source_id": "utm.source",
                "campaign_id": "utm.campaign",
                "stage_id": "crm.stage",
            },
            many2many={"tag_ids": "crm.tag"},
        )
        for login, password in (users or {"admin": "admin"}).items():
            self.add_user(login, password=password)
        self.server: MultiPathXMLRPCServer | None = None
        self.url = ""

    # --- test setup -------------------------------------------------------------------------

    def define(self, name: str, *, many2one: dict | None = None, many2many: dict | None = None) -> Model:
        self.models[name] = Model(name, many2one=many2one or {}, many2many=many2many or {})
        return self.models[name]

    def create(self, model: str, values: dict) -> int:
        m = self.models[model]
        rid = m.next_id
        m.next_id += 1
        m.records[rid] = {"id": rid, **values}
        return rid

    def add_user(self, login: str, *, password: str = "", name: str = "", email: str = "") -> int:
        uid = self.create(
            "res.users", {"login": login, "name": name or login, "email": email or login, "active": True}
        )
        if password:
            self.passwords[uid] = password
        return uid

    def named(self, model: str, name: str) -> int:
        """The id of the record of `model` called `name` (created on first use)."""
        for rid, rec in self.models[model].records.items():
            if rec.get("name") == name:
                return rid
        return self.create(model, {"name": name})

    def writes(self) -> list[tuple[str, str, list, dict]]:
        return [c for c in self.calls if c[1] in ("write", "create", "unlink")]

    # --- protocol ---------------------------------------------------------------------------

    def version(self) -> dict:
        return {
            "server_version": "17.0",
            "server_version_info": [17, 0, 0, "final", 0, ""],
            "protocol_version": 1,
        }

    def authenticate(self, db: str, login: str, password: str, _env: dict) -> int | bool:
        if db != self.database:
            raise xmlrpc.client.Fault(APPLICATION_ERROR, f'database "{db}" does not exist')
        for uid, rec in self.models["res.users"].records.items():
            if rec["login"] == login and self.passwords.get(uid) == password:
                return uid
        return False

    def execute_kw(
        self,
        db: str,
        uid: int,
        password: str,
        model: str,
        method: str,
        args: list,
        kwargs: dict | None = None,
    ) -> Any:
        with self.lock:
            kwargs = kwargs or {}
            self.calls.append((model, method, args, kwargs))
            if db != self.database or self.passwords.get(uid) != password:
                raise xmlrpc.client.Fault(ACCESS_DENIED, "Access Denied")
            if model not in self.models:
                raise xmlrpc.client.Fault(
                    APPLICATION_ERROR, f"Traceback (most recent call last):\nKeyError: '{model}'"
                )
            handler: Callable[..., Any] | None = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise xmlrpc.client.Fault(
                    APPLICATION_ERROR,
                    f"Traceback (most recent call last):\nAttributeError: type object '{model}' has no attribute '{method}'",
                )
            return handler(self.models[model], *args, **kwargs)

    def _m_search_count(self, m: Model, domain: list, **_kw: Any) -> int:
        return len(self._search(m, domain))

    def _m_search_read(
        self,
        m: Model,
        domain: list | None = None,
        fields: list | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
    ) -> list[dict]:
        rows = self._order(self._search(m, domain or []), order or "id asc")
        rows = rows[offset : offset + limit if limit else None]
        return [self._render(m, r, fields) for r in rows]

    def _m_read(self, m: Model, ids: list, fields: list | None = None) -> list[dict]:
        return [self._render(m, m.records[i], fields) for i in ids if i in m.records]

    def _m_write(self, m: Model, ids: list, values: dict) -> bool:
        for name in values:
            if (
                name not in ("name",)
                and not any(name in r for r in m.records.values())
                and name not in m.many2one
            ):
                raise xmlrpc.client.Fault(
                    APPLICATION_ERROR, f"ValueError: Invalid field '{name}' on model '{m.name}'"
                )
        for name, value in values.items():
            if name in m.many2one and value and value not in self.models[m.many2one[name]].records:
                raise xmlrpc.client.Fault(
                    USER_ERROR, f"The record {m.many2one[name]}({value},) does not exist."
                )
        bad = [i for i in ids if i in self.invalid_ids] if m.name == "crm.lead" else []
        if bad:
            # Odoo writes all or nothing: one invalid record fails the whole call.
            raise xmlrpc.client.Fault(USER_ERROR, self.invalid_ids[bad[0]])
        missing = [i for i in ids if i not in m.records]
        if missing:
            raise xmlrpc.client.Fault(
                USER_ERROR, f"Record does not exist or has been deleted.\n(Record: {m.name}({missing[0]},))"
            )
        for i in ids:
            m.records[i].update(values)
        return True

    # --- domains ----------------------------------------------------------------------------

    def _search(self, m: Model, domain: list) -> list[dict]:
        predicate = self._domain(m, list(domain))
        return [r for r in m.records.values() if predicate(r)]

    def _domain(self, m: Model, domain: list) -> Callable[[dict], bool]:
        preds = []
        pos = 0
        while pos < len(domain):
            pred, pos = self._expr(m, domain, pos)
            preds.append(pred)
        return lambda r: all(p(r) for p in preds)

    def _expr(self, m: Model, domain: list, pos: int) -> tuple[Callable[[dict], bool], int]:
        item = domain[pos]
        if item in ("&", "|"):
            left, pos = self._expr(m, domain, pos + 1)
            right, pos = self._expr(m, domain, pos)
            if item == "&":
                return (lambda r: left(r) and right(r)), pos
            return (lambda r: left(r) or right(r)), pos
        if item == "!":
            inner, pos = self._expr(m, domain, pos + 1)
            return (lambda r: not inner(r)), pos
        if not isinstance(item, list | tuple) or len(item) != 3:
            raise xmlrpc.client.Fault(APPLICATION_ERROR, f"ValueError: Invalid leaf {item!r}")
        name, op, value = item
        known = {"id", *m.many2one, *m.many2many} | {k for r in m.records.values() for k in r}
        if name not in known:
            raise xmlrpc.client.Fault(
                APPLICATION_ERROR, f"ValueError: Invalid field {m.name}.{name} in leaf {tuple(item)!r}"
            )
        return self._leaf(name, op, value), pos + 1

    @staticmethod
    def _leaf(name: str, op: str, value: Any) -> Callable[[dict], bool]:
        def get(r: dict) -> Any:
            v = r.get(name, False)
            return False if v is None else v

        def cmp(fn: Callable[[Any], bool]) -> Callable[[dict], bool]:
            return lambda r: get(r) is not False and fn(get(r))

        ops: dict[str, Callable[[dict], bool]] = {
            "=": lambda r: (value in get(r)) if isinstance(get(r), list) else get(r) == value,
            "!=": lambda r: get(r) != value,
            "in": lambda r: bool(set(get(r)) & set(value)) if isinstance(get(r), list) else get(r) in value,
            "not in": lambda r: get(r) not in value,
            "ilike": lambda r: str(value).casefold() in str(get(r) or "").casefold(),
            ">=": cmp(lambda v: v >= value),
            "<=": cmp(lambda v: v <= value),
            ">": cmp(lambda v: v > value),
            "<": cmp(lambda v: v < value),
        }
        if op not in ops:
            raise xmlrpc.client.Fault(APPLICATION_ERROR, f"ValueError: Invalid operator {op!r}")
        return ops[op]

    @staticmethod
    def _order(rows: list[dict], order: str) -> list[dict]:
        for part in reversed([p.strip() for p in order.split(",") if p.strip()]):
            name, _, direction = part.partition(" ")
            rows = sorted(
                rows,
                key=lambda r: (r.get(name) is False, r.get(name) or 0),
                reverse=direction.lower() == "desc",
            )
        return rows

    def _render(self, m: Model, record: dict, fields: list | None) -> dict:
        names = ["id", *fields] if fields else list(record)
        out = {}
        for name in dict.fromkeys(names):
            value = record.get(name, False)
            if name in m.many2one:
                co = self.models[m.many2one[name]]
                value = [value, co.records[value].get(co.display, "")] if value else False
            elif name in m.many2many:
                value = list(value or [])
            out[name] = False if value is None else value
        return out

    # --- serving ----------------------------------------------------------------------------

    def start(self) -> str:
        server = MultiPathXMLRPCServer(
            ("127.0.0.1", 0), requestHandler=_Handler, allow_none=True, logRequests=False
        )
        common = SimpleXMLRPCDispatcher(allow_none=True)
        common.register_function(self.version, "version")
        common.register_function(self.authenticate, "authenticate")
        obj = SimpleXMLRPCDispatcher(allow_none=True)
        obj.register_function(self.execute_kw, "execute_kw")
        server.add_dispatcher("/xmlrpc/2/common", common)
        server.add_dispatcher("/xmlrpc/2/object", obj)
        self.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/xmlrpc/2/common", "/xmlrpc/2/object")
