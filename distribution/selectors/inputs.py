"""What a distribution run reads: the leads and salespeople as the engine sees them.

`distribution_prepare` gathers everything for one run in a fixed number of queries (leads,
profiles, workloads, conversion history, account and duplicate owners) and hands it to the
engine; it writes nothing, so a dry run and the step-by-step command share it with an applied
run.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db.models import Count, Q

from distribution.engine import (
    ConfigError,
    DistributionConfigDoc,
    LeadFacts,
    OutOfOffice,
    Plan,
    RepFacts,
    RunState,
    Strategy,
    distribute,
)
from distribution.engine.config import read_lines
from distribution.models import OPEN_STATUSES, Lead, SalespersonProfile
from distribution.selectors.crm import CrmRead, crm_lead_facts, crm_read
from distribution.selectors.profiles import SALES_ROLES
from revops.models import Membership, Organization
from revops.selectors.account_matching import AccountIndex


@dataclass(frozen=True)
class RunOptions:
    """The command-line and page options of one run."""

    dry_run: bool = True
    max_leads: int | None = None
    start: date | None = None
    end: date | None = None
    force_round_robin: bool = False


@dataclass
class Prepared:
    """One run's inputs and plan, before anything is written."""

    doc: DistributionConfigDoc
    today: date
    reps: list[RepFacts]
    leads: list[LeadFacts]
    state: RunState
    options: RunOptions
    web_sources: list[str] | None
    plan: Plan | None = None
    names: dict[int, str] = field(default_factory=dict)
    # The CRM's leads and connection when `lead_source` is Odoo or Salesforce.
    crm: CrmRead | None = None


def org_today(organization: Organization) -> date:
    from django.utils import timezone

    return timezone.now().astimezone(ZoneInfo(organization.time_zone or "UTC")).date()


def state_from_json(data: Mapping) -> RunState:
    owed = {int(k): int(v) for k, v in (data.get("catch_up_owed") or {}).items()}
    return RunState(last_rep_id=data.get("last_rep_id"), catch_up_owed=owed)


def state_to_json(state: RunState) -> dict:
    return {
        "last_rep_id": state.last_rep_id,
        "catch_up_owed": {str(k): v for k, v in state.catch_up_owed.items()},
    }


def web_source_values(doc: DistributionConfigDoc, base_dir: Path | None) -> list[str] | None:
    """The configured web sources plus the lines of their file (regexes checked, by line)."""
    ws = doc.lead_finding.web_sources
    if not ws.file:
        return None
    lines = read_lines(base_dir, ws.file, path="lead_finding.web_sources.file")
    if ws.match == "regex":
        import re

        for number, pattern in enumerate(lines, start=1):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(
                    "lead_finding.web_sources.file", f"line {number}: bad regular expression: {exc}"
                ) from None
    return [*ws.values, *lines]


def _members(organization: Organization) -> dict[int, tuple[str, str]]:
    """Active sales members: user id → (email, full name)."""
    rows = Membership.objects.filter(
        organization=organization, is_active=True, role__in=SALES_ROLES
    ).values_list("user_id", "user__email", "user__first_name", "user__last_name")
    return {uid: (email or "", f"{first} {last}".strip()) for uid, email, first, last in rows}


def _resolve(name: str, members: dict[int, tuple[str, str]]) -> int | None:
    key = name.strip().casefold()
    for uid, (email, full) in members.items():
        if key in (email.casefold(), full.casefold(), str(uid)):
            return uid
    return None


def _ooo(ranges: list) -> tuple[OutOfOffice, ...]:
    out = []
    for item in ranges or []:
        try:
            out.append(OutOfOffice(date.fromisoformat(item["start"]), date.fromisoformat(item["end"])))
        except (KeyError, TypeError, ValueError):
            continue
    return tuple(out)


def rep_facts(
    organization: Organization, doc: DistributionConfigDoc, *, base_dir: Path | None, state: RunState
) -> tuple[list[RepFacts], dict[int, str]]:
    """The salespeople the document selects, with workload, profile terms and history."""
    sel = doc.salesperson_selection
    members = _members(organization)
    campaigns = {c.casefold() for c in sel.campaigns} or (
        {doc.campaign.target_campaign.casefold()} if doc.campaign.target_campaign else set()
    )
    profiles: dict[int, SalespersonProfile] = {}
    for profile in SalespersonProfile.objects.filter(organization=organization).select_related("campaign"):
        name = profile.campaign.name.casefold() if profile.campaign else ""
        if profile.campaign and campaigns and name not in campaigns:
            continue
        # A campaign's own profile wins over the all-campaigns one.
        if profile.user_id not in profiles or profile.campaign is not None:
            profiles[profile.user_id] = profile

    table: dict[int, dict] = {}
    if sel.source == "database":
        chosen = [uid for uid in profiles if uid in members]
    else:
        if sel.source == "list":
            entries = [(f"salesperson_selection.names.{i}", n) for i, n in enumerate(sel.names)]
        elif sel.source == "file":
            lines = read_lines(base_dir, sel.file, path="salesperson_selection.file")
            entries = [(f"salesperson_selection.file: line {i}", n) for i, n in enumerate(lines, start=1)]
        else:
            entries = []
            try:
                text = (base_dir or Path()).joinpath(sel.file).read_text(encoding="utf-8")
            except OSError:
                raise ConfigError("salesperson_selection.file", f"file not found: {sel.file}") from None
            for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
                if campaigns and (row.get("campaign_name") or "").casefold() not in campaigns:
                    continue
                key = (row.get("salesperson_id") or row.get("salesperson_name") or "").strip()
                entries.append((f"salesperson_selection.file: line {i}", key))
                uid = _resolve(key, members) or _resolve(row.get("salesperson_name") or "", members)
                if uid is not None:
                    table[uid] = row
        chosen = []
        for where, name in entries:
            uid = _resolve(name, members)
            if uid is None:
                where_path, _, line = where.partition(": ")
                raise ConfigError(where_path, f"{line + ': ' if line else ''}no active member named {name!r}")
            chosen.append(uid)
    excluded = {_resolve(n, members) for n in sel.excluded}
    teams = {t.casefold() for t in sel.teams}
    loads = dict(
        Lead.objects.filter(organization=organization, owner_id__in=chosen, status__in=OPEN_STATUSES)
        .values("owner_id")
        .annotate(n=Count("id"))
        .values_list("owner_id", "n")
    )
    conversions = (
        _conversions(organization, chosen) if Strategy.PERFORMANCE_WEIGHTED in doc.distribution.chain else {}
    )
    reps, names = [], {}
    for uid in dict.fromkeys(chosen):
        if uid in excluded:
            continue
        p = profiles.get(uid)
        row = table.get(uid, {})
        team = row.get("team") or (p.team if p else "")
        if teams and team.casefold() not in teams:
            continue
        names[uid] = members[uid][1] or members[uid][0]
        target = row.get("target_leads") or (p.target_leads if p else None)
        active = (row.get("active", "true").strip().casefold() in ("1", "true", "yes", "y")) and (
            p.active if p else True
        )
        reps.append(
            RepFacts(
                id=uid,
                name=names[uid],
                level=row.get("level") or (p.level if p else ""),
                team=team,
                active=active,
                target_leads=int(target) if target not in (None, "") else None,
                capacity=p.capacity if p else None,
                current_load=loads.get(uid, 0),
                working_days=frozenset(p.working_days)
                if p and p.working_days
                else frozenset({1, 2, 3, 4, 5}),
                out_of_office=_ooo(p.out_of_office) if p else (),
                catch_up_owed=state.catch_up_owed.get(uid, 0),
                conversions=conversions.get(uid, {}),
            )
        )
    return reps, names


def _conversions(organization: Organization, user_ids: list[int]) -> dict[int, dict[str, tuple[int, int]]]:
    """Per rep, (converted, total) of their past leads by campaign, web source, segment, overall."""
    out: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    base = Lead.objects.filter(organization=organization, owner_id__in=user_ids)
    converted = Count("id", filter=Q(converted=True))
    for field_name, key in (
        ("campaign__name", "campaign"),
        ("web_source", "web_source"),
        ("segment", "segment"),
    ):
        rows = base.values("owner_id", field_name).annotate(c=converted, n=Count("id"))
        for row in rows:
            out[row["owner_id"]][f"{key}={row[field_name] or ''}"] = (row["c"], row["n"])
    for row in base.values("owner_id").annotate(c=converted, n=Count("id")):
        out[row["owner_id"]]["*"] = (row["c"], row["n"])
    return out


LEAD_FIELDS = (
    "id",
    "received_at",
    "web_source",
    "campaign__name",
    "status",
    "tags",
    "do_not_call",
    "priority",
    "score",
    "segment",
    "email",
    "phone",
    "company",
    "name",
    "owner_id",
    "account__owner_id",
)


def routing_context(
    organization: Organization, doc: DistributionConfigDoc
) -> tuple[AccountIndex | None, dict[str, int]]:
    """The account index (account-owner routing) and earlier leads' owners by e-mail (duplicates)."""
    routing = doc.distribution.routing
    index = AccountIndex(organization) if routing.account_owner else None
    earlier: dict[str, int] = {}
    if routing.duplicate_owner:
        rows = Lead.objects.filter(organization=organization, owner__isnull=False).exclude(email="")
        earlier = {email.casefold(): owner for email, owner in rows.values_list("email", "owner_id")}
    return index, earlier


def lead_facts(organization: Organization, doc: DistributionConfigDoc) -> list[LeadFacts]:
    """The organization's candidate leads (unowned ones when `only_unassigned`)."""
    tz = ZoneInfo(organization.time_zone or "UTC")
    qs = Lead.objects.filter(organization=organization)
    if doc.lead_finding.only_unassigned:
        qs = qs.filter(owner__isnull=True)
    index, earlier = routing_context(organization, doc)
    leads = []
    for row in qs.values_list(*LEAD_FIELDS).iterator(chunk_size=5000):
        (
            pk,
            received,
            source,
            campaign,
            status,
            tags,
            dnc,
            priority,
            score,
            segment,
            email,
            phone,
            company,
            name,
            owner,
            account_owner,
        ) = row
        present = frozenset(
            f
            for f, v in (
                ("email", email),
                ("phone", phone),
                ("company", company),
                ("name", name),
                ("web_source", source),
                ("campaign", campaign),
            )
            if v
        )
        if index is not None and account_owner is None and (company or email):
            match = index.best(name=company, email=email)
            account_owner = match.owner_id if match else None
        leads.append(
            LeadFacts(
                id=pk,
                created_on=received.astimezone(tz).date(),
                web_source=source or "",
                campaign=campaign or "",
                status=status or "",
                tags=frozenset(tags or ()),
                do_not_call=dnc,
                priority=priority,
                score=score,
                segment=segment or "",
                present_fields=present,
                owner_id=owner,
                account_owner_id=account_owner,
                duplicate_owner_id=earlier.get(email.casefold()) if email else None,
                name=name or email or "",
            )
        )
    return leads


def distribution_prepare(
    organization: Organization,
    doc: DistributionConfigDoc,
    *,
    state_json: Mapping | None = None,
    options: RunOptions = RunOptions(),
    base_dir: Path | None = None,
    today: date | None = None,
) -> Prepared:
    """Read the run's inputs (reps, leads) without planning; `distribution_plan` plans.

    With an Odoo or Salesforce `lead_source` the leads come from the CRM (`selectors/crm.py`;
    a `ConnectorError` when it cannot be read); nothing is written anywhere.
    """
    state = state_from_json(state_json or {})
    reps, names = rep_facts(organization, doc, base_dir=base_dir, state=state)
    crm = None
    if doc.lead_source.type == "revops":
        leads = lead_facts(organization, doc)
    else:
        crm = crm_read(doc, reps)
        index, earlier = routing_context(organization, doc)
        leads = crm_lead_facts(organization, crm, index=index, earlier=earlier)
    return Prepared(
        doc=doc,
        today=today or org_today(organization),
        reps=reps,
        leads=leads,
        state=state,
        options=options,
        web_sources=web_source_values(doc, base_dir),
        names=names,
        crm=crm,
    )


def distribution_plan(prepared: Prepared) -> Plan:
    """Run the engine on prepared inputs (kept on `prepared.plan`)."""
    o = prepared.options
    prepared.plan = distribute(
        prepared.leads,
        prepared.reps,
        prepared.doc,
        today=prepared.today,
        state=prepared.state,
        web_sources=prepared.web_sources,
        max_leads=o.max_leads,
        force_round_robin=o.force_round_robin,
        start=o.start,
        end=o.end,
    )
    return prepared.plan
