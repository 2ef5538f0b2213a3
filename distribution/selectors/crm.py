"""Leads read from an external CRM (Odoo, Salesforce) into the engine's lead facts.

Reading writes nothing, in revops or in the CRM: `crm_read` resolves each rep to their CRM
user (Odoo `res.users`, Salesforce `User`, by the `user_map` / `owner_map` entry or else the
rep's own e-mail) and reads the leads the configuration selects (Odoo: its `domain`, plus
`user_id = False` with `only_unassigned`; Salesforce: its `where`, `IsConverted = false`,
plus `OwnerId IN unassigned_owners`), page by page. `crm_lead_facts` turns them into
`LeadFacts`, so the engine's filters apply to them as to local leads.

A CRM lead's fact id is its local mirror's id (a `Lead` row with `external_id`
``"<source>:<CRM id>"``) when an applied run has stored it before, else a provisional
negative id, ascending in CRM order; an applied run stores the mirrors and renumbers
(`distribution.services.crm`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from distribution.engine import ConfigError, DistributionConfigDoc, LeadFacts, RepFacts
from distribution.engine.lead_source import OdooSource, SalesforceSource, soql_condition, soql_literal
from distribution.models import Lead
from revops.connectors.errors import ConnectorError
from revops.connectors.odoo import OdooClient, OdooSpec
from revops.connectors.salesforce import SalesforceClient, SalesforceSpec
from revops.models import Organization
from revops.selectors.account_matching import AccountIndex

PRESENT = ("email", "phone", "company", "name", "web_source", "campaign")


@dataclass(frozen=True, slots=True)
class CrmLead:
    """One CRM lead as read; `owner_id` is the rep its CRM owner maps to, if any."""

    external_id: str
    remote_id: int | str
    received_at: dt.datetime
    name: str = ""
    email: str = ""
    phone: str = ""
    company: str = ""
    web_source: str = ""
    campaign: str = ""
    status: str = ""
    tags: tuple[str, ...] = ()
    do_not_call: bool = False
    priority: int = 0
    remote_owner: str = ""
    owner_id: int | None = None


@dataclass
class CrmRead:
    """One run's CRM leads, the reps' CRM user ids and the open connection (for the write-back)."""

    source: str
    client: OdooClient | SalesforceClient
    leads: list[CrmLead]
    rep_remote: dict[int, Any]
    by_fact_id: dict[int, CrmLead] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return self.client.calls


def _rep_emails(reps: Sequence[RepFacts]) -> dict[int, str]:
    rows = get_user_model().objects.filter(pk__in=[r.id for r in reps]).values_list("pk", "email")
    return {pk: email or "" for pk, email in rows}


def odoo_client(source: OdooSource) -> OdooClient:
    return OdooClient(
        OdooSpec(
            url=source.url,
            database=source.database,
            username=source.username,
            password=source.password.get_secret_value(),
            timeout=source.timeout,
        )
    )


def salesforce_client(source: SalesforceSource) -> SalesforceClient:
    spec = SalesforceSpec(
        instance_url=source.instance_url,
        api_version=source.api_version,
        session_id=source.session_id.get_secret_value(),
        username=source.username,
        password=source.password.get_secret_value(),
        security_token=source.security_token.get_secret_value(),
        login_url=source.login_url,
        timeout=source.timeout,
        max_retries=source.max_retries,
        ca_file=source.ca_file,
    )
    return SalesforceClient.from_spec(spec)


def _name(value: Any) -> str:
    """Odoo answers a many2one as [id, name] and an empty field as False."""
    if isinstance(value, list):
        return str(value[1]) if len(value) > 1 else ""
    return "" if value in (False, None) else str(value)


def _odoo_priority(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _resolve(keys: dict[int, str], found: dict[str, Any], *, path: str, system: str) -> dict[int, Any]:
    out = {}
    for rep_id, key in keys.items():
        if key.casefold() not in found:
            raise ConfigError(path, f"no active {system} user with login or e-mail {key!r}")
        out[rep_id] = found[key.casefold()]
    return out


def _read_odoo(source: OdooSource, doc: DistributionConfigDoc, reps: Sequence[RepFacts]) -> CrmRead:
    client = odoo_client(source)
    emails = _rep_emails(reps)
    keys = {rid: source.user_map.get(email, email) for rid, email in emails.items()}
    found: dict[str, int] = {}
    if keys:
        wanted = sorted(set(keys.values()))
        for user in client.search_read_iter(
            "res.users", ["|", ["login", "in", wanted], ["email", "in", wanted]], ["login", "email"]
        ):
            for k in (user.get("login"), user.get("email")):
                if isinstance(k, str) and k:
                    found.setdefault(k.casefold(), user["id"])
    rep_remote = _resolve(keys, found, path="lead_source.user_map", system="Odoo")
    remote_rep = {v: k for k, v in rep_remote.items()}
    fm = source.field_map
    fields = sorted({v for v in fm.model_dump().values() if v} | {"user_id"})
    domain = ([["user_id", "=", False]] if doc.lead_finding.only_unassigned else []) + list(source.domain)
    rows = list(
        client.search_read_iter("crm.lead", domain, fields, order="id asc", page_size=source.batch_size)
    )
    tag_names: dict[int, str] = {}
    if fm.tags:
        tag_ids = sorted({t for r in rows for t in (r.get(fm.tags) or [])})
        if tag_ids:
            tags = client.search_read_iter(
                "crm.tag", [["id", "in", tag_ids]], ["name"], page_size=source.batch_size
            )
            tag_names = {t["id"]: t["name"] for t in tags}
    leads = []
    for r in rows:
        try:
            leads.append(_odoo_lead(r, source, tag_names, remote_rep))
        except (TypeError, ValueError, IndexError) as exc:
            raise ConnectorError(
                f"Odoo crm.lead has an unreadable value: {exc}", record_id=str(r.get("id"))
            ) from None
    return CrmRead("odoo", client, leads, rep_remote)


def _odoo_lead(r: dict, source: OdooSource, tag_names: dict[int, str], remote_rep: dict) -> CrmLead:
    fm = source.field_map
    owner = r.get("user_id")
    owner_uid = owner[0] if isinstance(owner, list) else None
    created = r.get(fm.created) if fm.created else None
    received = (
        dt.datetime.strptime(created, "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
        if isinstance(created, str) and created
        else dt.datetime.now(dt.UTC)
    )
    return CrmLead(
        external_id=f"odoo:{r['id']}",
        remote_id=r["id"],
        received_at=received,
        name=_name(r.get(fm.name)) if fm.name else "",
        email=_name(r.get(fm.email)) if fm.email else "",
        phone=_name(r.get(fm.phone)) if fm.phone else "",
        company=_name(r.get(fm.company)) if fm.company else "",
        web_source=_name(r.get(fm.web_source)) if fm.web_source else "",
        campaign=_name(r.get(fm.campaign)) if fm.campaign else "",
        status=_name(r.get(fm.status)) if fm.status else "",
        tags=tuple(tag_names.get(t, str(t)) for t in (r.get(fm.tags) or [])) if fm.tags else (),
        do_not_call=bool(r.get(fm.do_not_call)) if fm.do_not_call else False,
        priority=_odoo_priority(r.get(fm.priority)) if fm.priority else 0,
        remote_owner=str(owner_uid) if owner_uid else "",
        owner_id=remote_rep.get(owner_uid) if owner_uid else None,
    )


def _sf_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str) and value:
        return dt.datetime.strptime(value.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return dt.datetime.now(dt.UTC)


def _read_salesforce(
    source: SalesforceSource, doc: DistributionConfigDoc, reps: Sequence[RepFacts]
) -> CrmRead:
    client = salesforce_client(source)
    emails = _rep_emails(reps)
    keys = {rid: source.owner_map.get(email, email) for rid, email in emails.items()}
    found: dict[str, str] = {k.casefold(): k for k in keys.values() if k.startswith("005")}
    lookup = sorted({k for k in keys.values() if not k.startswith("005")})
    if lookup:
        items = ", ".join(soql_literal(k) for k in lookup)
        # SOQL, not SQL: every value goes through soql_literal (quoted and escaped).
        soql = f"SELECT Id, Email, Username FROM User WHERE IsActive = true AND (Email IN ({items}) OR Username IN ({items}))"  # noqa: S608
        for user in client.query_iter(soql):
            for k in (user.get("Email"), user.get("Username")):
                if k:
                    found.setdefault(k.casefold(), user["Id"])
    rep_remote = _resolve(keys, found, path="lead_source.owner_map", system="Salesforce")
    remote_rep = {v: k for k, v in rep_remote.items()}
    unassigned = set(source.unassigned_owners)
    fm = source.field_map
    fields = ["Id", "OwnerId", *sorted({v for v in fm.model_dump().values() if v} - {"Id", "OwnerId"})]
    where = [soql_condition(c) for c in source.where] + ["IsConverted = false"]
    if doc.lead_finding.only_unassigned:
        where.append(f"OwnerId IN ({', '.join(soql_literal(o) for o in sorted(unassigned))})")
    order = f"{fm.created}, Id" if fm.created else "Id"
    # Field names are checked identifiers (the schema), values quoted by soql_literal.
    soql = f"SELECT {', '.join(fields)} FROM Lead WHERE {' AND '.join(where)} ORDER BY {order}"  # noqa: S608
    leads = []
    for r in client.query_iter(soql):
        try:
            leads.append(_salesforce_lead(r, source, unassigned, remote_rep))
        except (TypeError, ValueError) as exc:
            raise ConnectorError(
                f"Salesforce Lead has an unreadable value: {exc}", record_id=str(r.get("Id"))
            ) from None
    return CrmRead("salesforce", client, leads, rep_remote)


def _salesforce_lead(r: dict, source: SalesforceSource, unassigned: set[str], remote_rep: dict) -> CrmLead:
    fm = source.field_map

    def text(key: str) -> str:
        value = r.get(key) if key else None
        return "" if value is None else str(value)

    rating = text(fm.priority)
    owner = text("OwnerId")
    return CrmLead(
        external_id=f"salesforce:{r['Id']}",
        remote_id=r["Id"],
        received_at=_sf_datetime(r.get(fm.created)) if fm.created else dt.datetime.now(dt.UTC),
        name=text(fm.name),
        email=text(fm.email),
        phone=text(fm.phone),
        company=text(fm.company),
        web_source=text(fm.web_source),
        campaign=text(fm.campaign),
        status=text(fm.status),
        tags=tuple(t.strip() for t in text(fm.tags).split(";") if t.strip()) if fm.tags else (),
        do_not_call=bool(r.get(fm.do_not_call)) if fm.do_not_call else False,
        priority=source.rating_priority.get(rating, int(rating) if rating.lstrip("-").isdigit() else 0),
        remote_owner="" if owner in unassigned else owner,
        owner_id=None if owner in unassigned else remote_rep.get(owner),
    )


def crm_read(doc: DistributionConfigDoc, reps: Sequence[RepFacts]) -> CrmRead:
    """Read the configuration's CRM leads and the reps' CRM users (raises ConnectorError)."""
    source = doc.lead_source
    if isinstance(source, OdooSource):
        return _read_odoo(source, doc, reps)
    if isinstance(source, SalesforceSource):
        return _read_salesforce(source, doc, reps)
    raise ValueError("crm_read: the configuration's leads are in revops")


def crm_lead_facts(
    organization: Organization,
    read: CrmRead,
    *,
    index: AccountIndex | None,
    earlier: dict[str, int],
) -> list[LeadFacts]:
    """The engine's facts for the CRM leads (mirror ids, else provisional negative ids)."""
    tz = ZoneInfo(organization.time_zone or "UTC")
    mirrors = dict(
        Lead.objects.filter(organization=organization, external_source=read.source).values_list(
            "external_id", "pk"
        )
    )
    facts = []
    n = len(read.leads)
    read.by_fact_id = {}
    for i, lead in enumerate(read.leads):
        fact_id = mirrors.get(lead.external_id) or i - n
        read.by_fact_id[fact_id] = lead
        present = frozenset(f for f in PRESENT if getattr(lead, f))
        account_owner = None
        if index is not None and (lead.company or lead.email):
            match = index.best(name=lead.company, email=lead.email)
            account_owner = match.owner_id if match else None
        facts.append(
            LeadFacts(
                id=fact_id,
                created_on=lead.received_at.astimezone(tz).date(),
                web_source=lead.web_source,
                campaign=lead.campaign,
                status=lead.status,
                tags=frozenset(lead.tags),
                do_not_call=lead.do_not_call,
                priority=max(-1000, min(1000, lead.priority)),
                present_fields=present,
                # Owned in the CRM by someone who is not one of our reps: 0 (still "owned").
                owner_id=lead.owner_id if lead.owner_id is not None else (0 if lead.remote_owner else None),
                account_owner_id=account_owner,
                duplicate_owner_id=earlier.get(lead.email.casefold()) if lead.email else None,
                name=lead.name or lead.email,
            )
        )
    return facts
