"""A fake Salesforce REST API over HTTPS on 127.0.0.1.

A generic in-memory store per sObject (`store.define("Lead", {...field types})`, records keyed
by 18-character ids with the object's key prefix, `SystemModstamp` and `IsDeleted` kept on
every write), so other objects (Account, Opportunity, Campaign, ...) are one `define` away.

Endpoints, under `/services/data/v<version>/`:

- `GET query?q=` / `queryAll?q=` (SOQL subset, `tests/fakes/soql.py`; `queryAll` includes
  deleted rows) and `GET query/<cursor>` for the next page (`nextRecordsUrl`, `page_size`);
- `GET sobjects/<Object>/describe`;
- `PATCH sobjects/<Object>/<Id>` (204);
- `PATCH composite/sobjects` (at most 200 records; `allOrNone`; per-record
  `{id, success, errors: [{statusCode, message, fields}]}`);
- upsert by external id: `PATCH sobjects/<Object>/<Field>/<value>` (201 `{id, success,
  created: true}` or 200 `{..., created: false}`) and `PATCH composite/sobjects/<Object>/<Field>`
  (at most 200 records; per-record `{id, success, created, errors}`); the field must be
  declared an external id (`define(..., external_ids={"Key__c"})`); every upsert is recorded
  in `upserts` as (object, key, "created" | "updated");
- `POST /services/Soap/u/<version>` (the SOAP login simple-salesforce sends).

Faults: `fail_next(n, status=403, code="REQUEST_LIMIT_EXCEEDED", after=0)` answers n requests
with that error, after letting `after` through; `invalid[record_id] = (statusCode, message)` makes a record's writes fail;
`malformed[record_id] = {field: value}` answers queries with those values in that record.
Every request is appended to `calls` as (method, path). TLS uses a self-signed certificate
for 127.0.0.1 made at start; clients trust it through `ca_file`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import itertools
import json
import re
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.soql import SoqlError, parse

KEY_PREFIXES = {
    "Lead": "00Q",
    "User": "005",
    "Group": "00G",
    "Account": "001",
    "Contact": "003",
    "Opportunity": "006",
    "Campaign": "701",
    "CampaignMember": "00v",
    "Partner": "00I",
    "OpportunityPartner": "00J",
    "OpportunityHistory": "008",
}
SYSTEM_FIELDS = {"Id": "id", "IsDeleted": "boolean", "CreatedDate": "datetime", "SystemModstamp": "datetime"}
LEAD_FIELDS = {
    "FirstName": "string",
    "LastName": "string",
    "Name": "string",
    "Company": "string",
    "Email": "email",
    "Phone": "phone",
    "LeadSource": "picklist",
    "Status": "picklist",
    "Rating": "picklist",
    "HasOptedOutOfEmail": "boolean",
    "DoNotCall": "boolean",
    "OwnerId": "reference",
    "IsConverted": "boolean",
}
USER_FIELDS = {"Username": "string", "Email": "email", "Name": "string", "IsActive": "boolean"}


_last_stamp = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_stamp_lock = threading.Lock()


def _now() -> str:
    """The current time as Salesforce writes it (milliseconds), strictly increasing per call,
    so every write has its own SystemModstamp and watermarks are exact in tests."""
    global _last_stamp
    with _stamp_lock:
        now = dt.datetime.now(dt.UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if now <= _last_stamp:
            now = _last_stamp + dt.timedelta(milliseconds=1)
        _last_stamp = now
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+0000"


class SObjectStore:
    """Records per sObject type, with field types for describe and validation."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, str]] = {}
        self.external_ids: dict[str, set[str]] = {}
        self.records: dict[str, dict[str, dict]] = {}
        self._seq = itertools.count(1)

    def define(self, sobject: str, fields: dict[str, str], *, external_ids: set[str] | None = None) -> None:
        self.fields[sobject] = {**SYSTEM_FIELDS, **fields}
        self.external_ids[sobject] = set(external_ids or ())
        self.records.setdefault(sobject, {})

    def new_id(self, sobject: str) -> str:
        return f"{KEY_PREFIXES.get(sobject, 'a00')}5g00000{next(self._seq):08d}"[:18].ljust(18, "A")

    def insert(self, sobject: str, values: dict) -> str:
        rid = values.get("Id") or self.new_id(sobject)
        now = _now()
        record = dict.fromkeys(self.fields[sobject])
        record.update({"Id": rid, "IsDeleted": False, "CreatedDate": now, "SystemModstamp": now, **values})
        if sobject == "Lead" and not values.get("Name"):
            record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
        self.records[sobject][rid] = record
        return rid

    def update(self, sobject: str, rid: str, values: dict) -> None:
        self.records[sobject][rid].update(values, SystemModstamp=_now())

    def delete(self, sobject: str, rid: str) -> None:
        """Move a record to the recycle bin: only queryAll still returns it, with IsDeleted."""
        self.records[sobject][rid].update(IsDeleted=True, SystemModstamp=_now())


class FakeSalesforce:
    def __init__(self, *, session_id: str = "fake-session-token", page_size: int = 2000) -> None:
        self.session_id = session_id
        self.page_size = page_size
        self.users: dict[str, tuple[str, str]] = {}  # username → (password + token, user id)
        self.store = SObjectStore()
        self.store.define("Lead", LEAD_FIELDS)
        self.store.define("User", USER_FIELDS)
        self.store.define("Group", {"Name": "string", "Type": "string"})
        self.calls: list[tuple[str, str]] = []
        self.upserts: list[tuple[str, str, str]] = []
        self.invalid: dict[str, tuple[str, str]] = {}
        self.malformed: dict[str, dict] = {}
        self._faults: list[tuple[int, str, str] | None] = []
        self._cursors: dict[str, list[dict]] = {}
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.ca_file = ""
        self.instance = ""
        self.url = ""

    # --- test setup -------------------------------------------------------------------------

    def add_user(self, email: str, *, name: str = "", password: str = "", token: str = "") -> str:
        uid = self.store.insert(
            "User", {"Username": email, "Email": email, "Name": name or email, "IsActive": True}
        )
        if password:
            self.users[email] = (password + token, uid)
        return uid

    def fail_next(
        self,
        n: int,
        *,
        status: int = 403,
        code: str = "REQUEST_LIMIT_EXCEEDED",
        message: str = "",
        after: int = 0,
    ) -> None:
        """Answer n requests with the error, after letting `after` requests through."""
        default = (
            "TotalRequests Limit exceeded." if code == "REQUEST_LIMIT_EXCEEDED" else "Service Unavailable"
        )
        self._faults.extend([None] * after + [(status, code, message or default)] * n)

    def writes(self) -> list[tuple[str, str]]:
        return [c for c in self.calls if c[0] in ("PATCH", "POST", "DELETE") and "/Soap/" not in c[1]]

    # --- request handling -------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, str]:
        with self.lock:
            self.calls.append((method, path))
            url = urlparse(path)
            if url.path.startswith("/services/Soap/u/"):
                return self._soap_login(body)
            if headers.get("Authorization") != f"Bearer {self.session_id}":
                return (
                    401,
                    [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
                    "json",
                )
            fault = self._faults.pop(0) if self._faults else None
            if fault is not None:
                status, code, message = fault
                return status, [{"message": message, "errorCode": code}], "json"
            m = re.match(r"^/services/data/v(\d+\.\d+)/(.*?)/?$", url.path)
            if not m:
                return (
                    404,
                    [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}],
                    "json",
                )
            version, rest = m.groups()
            data = json.loads(body) if body else None
            try:
                return self._route(method, version, rest, parse_qs(url.query), data)
            except SoqlError as exc:
                return 400, [{"message": str(exc), "errorCode": "MALFORMED_QUERY"}], "json"

    def _route(self, method: str, version: str, rest: str, query: dict, data: Any) -> tuple[int, Any, str]:
        parts = rest.split("/")
        if method == "GET" and parts[0] in ("query", "queryAll") and len(parts) == 1:
            return 200, self._query(version, query["q"][0], include_deleted=parts[0] == "queryAll"), "json"
        if method == "GET" and parts[0] in ("query", "queryAll") and len(parts) == 2:
            return 200, self._page(version, parts[1]), "json"
        if method == "GET" and parts[0] == "sobjects" and len(parts) == 3 and parts[2] == "describe":
            return self._describe(parts[1])
        if method == "PATCH" and parts[0] == "sobjects" and len(parts) == 4:
            outcome = self._upsert_one(parts[1], parts[2], parts[3], data or {})
            if outcome["success"]:
                return (201 if outcome["created"] else 200), outcome, "json"
            return (
                400,
                [{"errorCode": e["statusCode"], "message": e["message"]} for e in outcome["errors"]],
                "json",
            )
        if method == "PATCH" and parts[:2] == ["composite", "sobjects"] and len(parts) == 4:
            return self._collection_upsert(parts[2], parts[3], data or {})
        if method == "PATCH" and parts[0] == "sobjects" and len(parts) == 3:
            outcome = self._update_one(parts[1], parts[2], data or {})
            if outcome["success"]:
                return 204, None, "json"
            return (
                400,
                [
                    {"errorCode": e["statusCode"], "message": e["message"], "fields": e["fields"]}
                    for e in outcome["errors"]
                ],
                "json",
            )
        if method == "PATCH" and rest == "composite/sobjects":
            return self._collection_update(data or {})
        return 404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}], "json"

    def _query(self, version: str, soql: str, *, include_deleted: bool) -> dict:
        q = parse(soql)
        if q.sobject not in self.store.fields:
            raise SoqlError(f"sObject type '{q.sobject}' is not supported.")
        for name in q.fields:
            if name not in self.store.fields[q.sobject]:
                raise SoqlError(f"No such column '{name}' on entity '{q.sobject}'.")
        rows = [
            r
            for r in self.store.records[q.sobject].values()
            if (include_deleted or not r["IsDeleted"]) and q.where(r)
        ]
        for name, desc in reversed(q.order):
            rows.sort(
                key=lambda r: (r.get(name) is None, r.get(name) if r.get(name) is not None else ""),
                reverse=desc,
            )
        if q.limit is not None:
            rows = rows[: q.limit]
        out = [
            {
                "attributes": {
                    "type": q.sobject,
                    "url": f"/services/data/v{version}/sobjects/{q.sobject}/{r['Id']}",
                },
                **{f: r.get(f) for f in q.fields},
                **{f: v for f, v in self.malformed.get(r["Id"], {}).items() if f in q.fields},
            }
            for r in rows
        ]
        cursor = f"01g{uuid.uuid4().hex[:15]}"
        self._cursors[cursor] = out
        return self._page(version, f"{cursor}-0", total=len(out))

    def _page(self, version: str, locator: str, total: int | None = None) -> dict:
        cursor, _, start_text = locator.rpartition("-")
        rows = self._cursors.get(cursor, [])
        start = int(start_text)
        page = rows[start : start + self.page_size]
        done = start + self.page_size >= len(rows)
        answer: dict[str, Any] = {
            "totalSize": len(rows) if total is None else total,
            "done": done,
            "records": page,
        }
        if not done:
            answer["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{start + self.page_size}"
        return answer

    def _describe(self, sobject: str) -> tuple[int, Any, str]:
        if sobject not in self.store.fields:
            return (
                404,
                [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}],
                "json",
            )
        fields = [
            {
                "name": n,
                "type": t,
                "updateable": n not in SYSTEM_FIELDS,
                "externalId": n in self.store.external_ids.get(sobject, set()),
            }
            for n, t in self.store.fields[sobject].items()
        ]
        return 200, {"name": sobject, "fields": fields, "keyPrefix": KEY_PREFIXES.get(sobject)}, "json"

    def _update_one(self, sobject: str, rid: str, values: dict) -> dict:
        def fail(code: str, message: str, fields: list | None = None) -> dict:
            return {
                "id": rid,
                "success": False,
                "errors": [{"statusCode": code, "message": message, "fields": fields or []}],
            }

        if sobject not in self.store.fields or rid not in self.store.records[sobject]:
            return fail(
                "ENTITY_IS_DELETED" if sobject in self.store.fields else "INVALID_TYPE",
                "entity is deleted"
                if sobject in self.store.fields
                else f"sObject type '{sobject}' is not supported.",
            )
        unknown = [k for k in values if k not in self.store.fields[sobject] or k in SYSTEM_FIELDS]
        if unknown:
            return fail(
                "INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {sobject}", unknown
            )
        if rid in self.invalid:
            code, message = self.invalid[rid]
            return fail(code, message)
        owner = values.get("OwnerId")
        if owner and owner not in self.store.records["User"] and owner not in self.store.records["Group"]:
            return fail("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", ["OwnerId"])
        self.store.update(sobject, rid, values)
        return {"id": rid, "success": True, "errors": []}

    def _collection_update(self, data: dict) -> tuple[int, Any, str]:
        records = data.get("records") or []
        if len(records) > 200:
            return (
                400,
                [{"message": "Maximum number of records exceeded: 200", "errorCode": "EXCEEDED_ID_LIMIT"}],
                "json",
            )
        results = []
        for record in records:
            sobject = (record.get("attributes") or {}).get("type", "")
            rid = record.get("id") or record.get("Id") or ""
            values = {k: v for k, v in record.items() if k not in ("attributes", "id", "Id")}
            results.append(self._update_one(sobject, rid, values))
        if data.get("allOrNone") and not all(r["success"] for r in results):
            return (
                400,
                [
                    {
                        "message": "allOrNone: one record failed",
                        "errorCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                    }
                ],
                "json",
            )
        return 200, results, "json"

    def _upsert_one(self, sobject: str, field: str, key: str, values: dict) -> dict:
        def fail(code: str, message: str) -> dict:
            return {
                "id": None,
                "success": False,
                "created": False,
                "errors": [{"statusCode": code, "message": message}],
            }

        if sobject not in self.store.fields:
            return fail("NOT_FOUND", f"sObject type '{sobject}' is not supported.")
        if field not in self.store.external_ids.get(sobject, set()):
            return fail("INVALID_FIELD", f"Field {field} is not an external id of {sobject}")
        values = {k: v for k, v in values.items() if k != "attributes"}
        if field in values and str(values.pop(field)) != key:
            return fail("INVALID_FIELD", f"{field} in the body differs from the URL")
        unknown = [k for k in values if k not in self.store.fields[sobject] or k in SYSTEM_FIELDS]
        if unknown:
            return fail("INVALID_FIELD", f"No such column '{unknown[0]}' on sobject of type {sobject}")
        if key in self.invalid:
            return fail(*self.invalid[key])
        matches = [
            r for r in self.store.records[sobject].values() if r.get(field) == key and not r["IsDeleted"]
        ]
        if len(matches) > 1:
            return fail("DUPLICATE_EXTERNAL_ID", f"{field}: more than one record has {key}")
        if matches:
            self.store.update(sobject, matches[0]["Id"], values)
            self.upserts.append((sobject, key, "updated"))
            return {"id": matches[0]["Id"], "success": True, "created": False, "errors": []}
        rid = self.store.insert(sobject, {**values, field: key})
        self.upserts.append((sobject, key, "created"))
        return {"id": rid, "success": True, "created": True, "errors": []}

    def _collection_upsert(self, sobject: str, field: str, data: dict) -> tuple[int, Any, str]:
        records = data.get("records") or []
        if len(records) > 200:
            return (
                400,
                [{"message": "Maximum number of records exceeded: 200", "errorCode": "EXCEEDED_ID_LIMIT"}],
                "json",
            )
        results = []
        for record in records:
            if (record.get("attributes") or {}).get("type") != sobject or field not in record:
                results.append(
                    {"id": None, "success": False, "created": False,
                     "errors": [{"statusCode": "INVALID_FIELD", "message": f"Each record needs type {sobject} and {field}"}]}
                )  # fmt: skip
                continue
            results.append(self._upsert_one(sobject, field, str(record[field]), record))
        return 200, results, "json"

    def _soap_login(self, body: bytes) -> tuple[int, Any, str]:
        text = body.decode()
        user = re.search(r"<n1:username>(.*?)</n1:username>", text)
        password = re.search(r"<n1:password>(.*?)</n1:password>", text)
        known = self.users.get(user.group(1) if user else "")
        if not known or not password or known[0] != password.group(1):
            fault = (
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault><faultcode>INVALID_LOGIN</faultcode>'
                "<faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring>"
                "<detail><sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, "
                "password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
                "</soapenv:Body></soapenv:Envelope>"
            )
            return 500, fault, "xml"
        ok = (
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
            f"<serverUrl>https://{self.instance}/services/Soap/u/59.0/00D000000000001</serverUrl>"
            f"<sessionId>{self.session_id}</sessionId><userId>{known[1]}</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return 200, ok, "xml"

    # --- serving ----------------------------------------------------------------------------

    def start(self, cert_dir: Path) -> str:
        cert, key = _self_signed(cert_dir)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                status, payload, kind = fake.handle(self.command, self.path, self.headers, body)
                data = (
                    b""
                    if payload is None
                    else (payload.encode() if kind == "xml" else json.dumps(payload).encode())
                )
                self.send_response(status)
                self.send_header(
                    "Content-Type", "text/xml" if kind == "xml" else "application/json;charset=UTF-8"
                )
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PATCH = do_POST = do_DELETE = _serve

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self.server = server
        self.ca_file = str(cert)
        self.instance = f"127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.url = f"https://{self.instance}"
        return self.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (its own CA), written as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fake-salesforce.pem", directory / "fake-salesforce.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path
