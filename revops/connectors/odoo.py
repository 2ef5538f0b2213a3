"""Odoo's external API over XML-RPC (standard library `xmlrpc.client`).

`/xmlrpc/2/common` `authenticate(db, login, password, {})` gives the user id;
`/xmlrpc/2/object` `execute_kw(db, uid, password, model, method, args, kwargs)` does the
rest: `search_read` paged by `offset`/`limit`/`order`, `search_count`, `write`. Every call has
a timeout; faults and transport errors become one `ConnectorError` carrying Odoo's message.
The password is kept out of `repr` and of every message.
"""

from __future__ import annotations

import http.client
import xmlrpc.client
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from revops.connectors.errors import ConnectorError

DEFAULT_TIMEOUT_SECONDS = 30.0
# Rows per search_read page: Odoo answers 500 rows of a dozen fields in well under a second,
# and a page that size keeps memory flat on tables of millions.
DEFAULT_PAGE_SIZE = 500
# Odoo's fault codes (odoo/service/wsgi_server.py): 3 access denied, 4 access error, 2 user
# or validation error; everything else is an application error with a traceback.
_FAULT_ACCESS = (3, 4)


@dataclass(frozen=True)
class OdooSpec:
    url: str
    database: str
    username: str
    password: str = field(repr=False)
    timeout: float = DEFAULT_TIMEOUT_SECONDS


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


class _SafeTransport(xmlrpc.client.SafeTransport):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def make_connection(self, host: Any) -> http.client.HTTPSConnection:
        conn = super().make_connection(host)
        conn.timeout = self._timeout
        return conn


def _fault_message(fault: xmlrpc.client.Fault) -> str:
    # Odoo puts the traceback after the message; the first line is the message.
    text = str(fault.faultString).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1].strip() if lines and lines[0].startswith("Traceback") else (lines[0] if lines else text)


class OdooClient:
    """One authenticated connection; `calls` counts the RPCs made (for benchmarks and logs)."""

    def __init__(self, spec: OdooSpec) -> None:
        self.spec = spec
        self.calls = 0
        base = spec.url.rstrip("/")
        make = _SafeTransport if base.startswith("https") else _Transport
        self._common = xmlrpc.client.ServerProxy(
            f"{base}/xmlrpc/2/common", transport=make(spec.timeout), allow_none=True
        )
        self._object = xmlrpc.client.ServerProxy(
            f"{base}/xmlrpc/2/object", transport=make(spec.timeout), allow_none=True
        )
        self._uid: int | None = None

    def _rpc(self, fn: Any, *args: Any, record_id: str = "") -> Any:
        self.calls += 1
        try:
            return fn(*args)
        except xmlrpc.client.Fault as fault:
            code = fault.faultCode if isinstance(fault.faultCode, int) else 1
            raise ConnectorError(
                _fault_message(fault),
                record_id=record_id,
                code="access_denied" if code in _FAULT_ACCESS else "fault",
            ) from None
        except xmlrpc.client.ProtocolError as exc:
            raise ConnectorError(
                f"Odoo answered HTTP {exc.errcode} {exc.errmsg}", code="http", retryable=exc.errcode >= 500
            ) from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise ConnectorError(
                f"Odoo is unreachable: {type(exc).__name__}", code="transport", retryable=True
            ) from None

    @property
    def uid(self) -> int:
        if self._uid is None:
            uid = self._rpc(
                self._common.authenticate, self.spec.database, self.spec.username, self.spec.password, {}
            )
            if not uid:
                raise ConnectorError(
                    f"Odoo refused the login {self.spec.username!r} on database {self.spec.database!r}",
                    code="access_denied",
                )
            self._uid = int(uid)
        return self._uid

    def version(self) -> dict:
        return self._rpc(self._common.version)

    def execute(
        self, model: str, method: str, args: Sequence[Any], kwargs: dict | None = None, *, record_id: str = ""
    ) -> Any:
        return self._rpc(
            self._object.execute_kw,
            self.spec.database,
            self.uid,
            self.spec.password,
            model,
            method,
            list(args),
            kwargs or {},
            record_id=record_id,
        )

    def search_count(self, model: str, domain: Sequence[Any]) -> int:
        return int(self.execute(model, "search_count", [list(domain)]))

    def search_read_iter(
        self,
        model: str,
        domain: Sequence[Any],
        fields: Sequence[str],
        *,
        order: str = "id asc",
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> Iterator[dict]:
        """Every matching record, one page (`offset`, `limit`) per call, in `order`.

        `order` must be total (end with `id`) or pages may repeat or skip rows.
        """
        offset = 0
        while True:
            rows = self.execute(
                model,
                "search_read",
                [list(domain)],
                {"fields": list(fields), "offset": offset, "limit": page_size, "order": order},
            )
            yield from rows
            if len(rows) < page_size:
                return
            offset += page_size

    def write(self, model: str, ids: Sequence[int], values: dict) -> None:
        """Set `values` on every record of `ids` (Odoo writes them in one transaction)."""
        record_id = str(ids[0]) if len(ids) == 1 else ""
        self.execute(model, "write", [list(ids), values], record_id=record_id)
