"""Salesforce's REST API through simple-salesforce.

`connect(spec)` builds a `simple_salesforce.Salesforce` from a connection spec: a session id
(access token) and instance URL, or a username, password and security token (SOAP login at
`login_url`). `SalesforceClient` adds what the library leaves to its callers:

- reads: `query_pages` / `query_iter` follow `nextRecordsUrl` (queryMore) page by page;
- writes: `update_many` sends the `composite/sobjects` collection (PATCH, at most 200
  records a call, `allOrNone: false`), so 10,000 owner changes are 50 calls, and returns
  each record's own success or error; `upsert_many` upserts by an external id field the
  same way (`composite/sobjects/<Object>/<Field>`), each result saying created or updated;
- retries: `REQUEST_LIMIT_EXCEEDED`, HTTP 5xx, timeouts and connection errors are retried
  with exponential backoff, at most `max_retries` times; then, and for every other failure,
  one `ConnectorError` with Salesforce's message;
- a timeout on every request. The token and password are kept out of `repr` and messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceError
from simple_salesforce.login import SalesforceLogin

from revops.connectors.errors import ConnectorError

DEFAULT_API_VERSION = "59.0"
DEFAULT_TIMEOUT_SECONDS = 30.0
# The sObject Collections limit: 200 records per composite/sobjects request.
COLLECTION_SIZE = 200


@dataclass(frozen=True)
class SalesforceSpec:
    instance_url: str = ""
    api_version: str = DEFAULT_API_VERSION
    session_id: str = field(default="", repr=False)
    username: str = ""
    password: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)
    login_url: str = "https://login.salesforce.com"
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_retries: int = 4
    backoff_seconds: float = 1.0
    # A CA bundle to verify the server with (a private CA); empty: the system's.
    ca_file: str = ""


class QueryPage(NamedTuple):
    records: list[dict]
    total: int  # totalSize of the whole query


class RecordResult(NamedTuple):
    record_id: str
    ok: bool
    message: str = ""


class UpsertResult(NamedTuple):
    key: str  # the record's external id value
    ok: bool
    created: bool = False
    record_id: str = ""
    message: str = ""


class ConnectorSession(requests.Session):
    """The connector's HTTP session: a timeout on every request, and its own CA bundle.

    The timeout also covers the SOAP login, which simple-salesforce sends without one. The
    bundle is kept even when REQUESTS_CA_BUNDLE is set: requests lets the environment's
    bundle override `Session.verify` (psf/requests#3829), which would ignore a private CA.
    """

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT_SECONDS, ca_file: str = "") -> None:
        super().__init__()
        self.timeout = timeout
        if ca_file:
            self.verify = ca_file

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> dict:
        settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is None or verify is True:
            settings["verify"] = self.verify
        return settings


def connect(spec: SalesforceSpec, *, session: requests.Session | None = None) -> Salesforce:
    """A `Salesforce` for `spec` (logs in first when given a username instead of a session id)."""
    if session is None:
        session = ConnectorSession(timeout=spec.timeout, ca_file=spec.ca_file)
    try:
        if spec.session_id:
            return Salesforce(
                session_id=spec.session_id,
                instance_url=spec.instance_url,
                version=spec.api_version,
                session=session,
            )
        session_id, instance = SalesforceLogin(
            username=spec.username,
            password=spec.password,
            security_token=spec.security_token,
            sf_version=spec.api_version,
            session=session,
            scratch_url=spec.login_url.rstrip("/"),
        )
    except SalesforceAuthenticationFailed as exc:
        raise ConnectorError(f"Salesforce refused the login: {exc.code}", code="auth") from None
    except requests.RequestException as exc:
        raise ConnectorError(f"Salesforce is unreachable: {type(exc).__name__}", retryable=True) from None
    return Salesforce(session_id=session_id, instance=instance, version=spec.api_version, session=session)


def _errors(content: Any) -> tuple[str, str]:
    """(errorCode, message) of a REST error body: a list of {errorCode, message}."""
    first = content[0] if isinstance(content, list) and content else content
    if isinstance(first, dict):
        return str(first.get("errorCode", "")), str(first.get("message", ""))
    return "", str(content)[:300]


class SalesforceClient:
    """Retried, paged, batched calls on one `Salesforce`; `calls` counts HTTP requests sent."""

    def __init__(
        self, sf: Salesforce, spec: SalesforceSpec, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.sf = sf
        self.spec = spec
        self.calls = 0
        self._sleep = sleep

    @classmethod
    def from_spec(cls, spec: SalesforceSpec, *, session: requests.Session | None = None) -> SalesforceClient:
        return cls(connect(spec, session=session), spec)

    def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        attempt = 0
        while True:
            self.calls += 1
            try:
                return fn(*args, timeout=self.spec.timeout, **kwargs)
            except SalesforceError as exc:
                code, message = _errors(exc.content)
                retryable = code == "REQUEST_LIMIT_EXCEEDED" or exc.status >= 500
                error = ConnectorError(
                    f"Salesforce answered HTTP {exc.status} {code}: {message}".replace(" : ", ": "),
                    code=code or str(exc.status),
                    retryable=retryable,
                )
            except (requests.Timeout, requests.ConnectionError) as exc:
                error = ConnectorError(
                    f"Salesforce is unreachable: {type(exc).__name__}", code="transport", retryable=True
                )
            if not error.retryable or attempt >= self.spec.max_retries:
                if error.retryable:
                    error = ConnectorError(
                        f"{error.message} (gave up after {attempt + 1} attempts)",
                        code=error.code,
                        retryable=True,
                    )
                raise error
            self._sleep(self.spec.backoff_seconds * 2**attempt)
            attempt += 1

    def query_pages(self, soql: str, *, include_deleted: bool = False) -> Iterator[QueryPage]:
        """The pages of `soql` as Salesforce sends them (queryAll with `include_deleted`).

        Each page is fetched with the retries of `_call`, so a rate limit or a 5xx in the
        middle of a long read resumes from the same `nextRecordsUrl`, not from the start.
        """
        page = self._call(self.sf.query, soql, include_deleted=include_deleted)
        while True:
            records = page["records"]
            for record in records:
                record.pop("attributes", None)
            yield QueryPage(records, int(page.get("totalSize") or 0))
            if page.get("done", True):
                return
            page = self._call(self.sf.query_more, page["nextRecordsUrl"], identifier_is_url=True)

    def query_iter(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict]:
        """Every record of `soql`, following `nextRecordsUrl` (queryAll with `include_deleted`)."""
        for page in self.query_pages(soql, include_deleted=include_deleted):
            yield from page.records

    def describe(self, sobject: str) -> dict:
        return self._call(self.sf.restful, f"sobjects/{sobject}/describe")

    def update_many(self, sobject: str, records: Sequence[dict]) -> list[RecordResult]:
        """PATCH `records` (each with `Id`) in collections of 200; each record's own outcome.

        A whole-request failure (after the retries) raises `ConnectorError`; the records of the
        collections sent before it stay written.
        """
        results: list[RecordResult] = []
        for start in range(0, len(records), COLLECTION_SIZE):
            chunk = records[start : start + COLLECTION_SIZE]
            body = {
                "allOrNone": False,
                "records": [
                    {
                        "attributes": {"type": sobject},
                        **{k: v for k, v in r.items() if k != "Id"},
                        "id": r["Id"],
                    }
                    for r in chunk
                ],
            }
            answer = self._call(self.sf.restful, "composite/sobjects", method="PATCH", json=body)
            if not isinstance(answer, list) or len(answer) != len(chunk):
                raise ConnectorError("Salesforce answered the collection update with an unexpected body")
            for record, outcome in zip(chunk, answer, strict=True):
                if outcome.get("success"):
                    results.append(RecordResult(record["Id"], True))
                else:
                    errors = outcome.get("errors") or [{}]
                    text = "; ".join(f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors)
                    results.append(RecordResult(record["Id"], False, text))
        return results

    def upsert_many(
        self, sobject: str, external_id_field: str, records: Sequence[dict]
    ) -> list[UpsertResult]:
        """Upsert `records` (each holding `external_id_field`) in collections of 200; each
        record's own outcome: created or updated, or its error.

        A whole-request failure (after the retries) raises `ConnectorError`; the collections
        sent before it stay written (an upsert sent again updates them, creating nothing).
        """
        results: list[UpsertResult] = []
        for start in range(0, len(records), COLLECTION_SIZE):
            chunk = records[start : start + COLLECTION_SIZE]
            body = {"allOrNone": False, "records": [{"attributes": {"type": sobject}, **r} for r in chunk]}
            answer = self._call(
                self.sf.restful,
                f"composite/sobjects/{sobject}/{external_id_field}",
                method="PATCH",
                json=body,
            )
            if not isinstance(answer, list) or len(answer) != len(chunk):
                raise ConnectorError("Salesforce answered the collection upsert with an unexpected body")
            for record, outcome in zip(chunk, answer, strict=True):
                key = str(record[external_id_field])
                if outcome.get("success"):
                    results.append(
                        UpsertResult(key, True, bool(outcome.get("created")), str(outcome.get("id") or ""))
                    )
                else:
                    errors = outcome.get("errors") or [{}]
                    text = "; ".join(f"{e.get('statusCode', '')}: {e.get('message', '')}" for e in errors)
                    results.append(UpsertResult(key, False, message=text))
        return results
