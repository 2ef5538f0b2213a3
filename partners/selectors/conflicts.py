"""The conflict check of a deal registration: who else already has this company.

Asked at submission (stored with the registration) and again at each decision. It answers,
for a company given by name and domain:

- ``accounts``: the organization's matching accounts, through the core's one account-matching
  service (`revops.selectors.account_matching.account_matches`: same domain, same normalised
  name, similar name);
- ``opportunities``: open opportunities on those accounts, with their owning rep;
- ``registrations``: other partners' active registrations (submitted, or approved and still
  protected) of the same company: on a matched account, or with the same domain or name key;
- ``protected_by``: the id of an approved registration of *another* partner whose protection
  window covers the same account and product line today — while it holds, this registration
  cannot be approved;
- ``owner``: the owning rep of the best-matching account.

A registration is *in conflict* when it has open opportunities or other partners' active
registrations. Internal pages show the whole check; the partner sees `partner_summary`, which
names no other partner, deal or rep.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from partners.models import ACTIVE_STATUSES, DealRegistration, RegistrationStatus
from revops.matching import domain_key, name_key
from revops.models import Opportunity
from revops.models.crm import OPEN_STAGES
from revops.selectors.account_matching import account_matches

MAX_ROWS = 10


@dataclass(frozen=True)
class Company:
    """What a registration says about the company it claims."""

    name: str
    domain: str
    partner_id: int
    product_line_id: int
    exclude_id: int | None = None


def _person(user) -> str:
    return (user.get_full_name() or user.email) if user is not None else ""


def _other_registrations(organization, company: Company, account_ids: list[int], today: dt.date):
    nkey, dkey = name_key(company.name), domain_key(company.domain)
    same = Q(account_id__in=account_ids) if account_ids else Q(pk__in=[])
    if nkey:
        same |= Q(name_key=nkey)
    if dkey:
        same |= Q(domain_key=dkey)
    active = Q(status=RegistrationStatus.SUBMITTED) | Q(
        status=RegistrationStatus.APPROVED, protected_until__gte=today
    )
    rows = (
        DealRegistration.objects.filter(organization=organization, status__in=ACTIVE_STATUSES)
        .filter(active & same)
        .exclude(partner_id=company.partner_id)
        .exclude(pk=company.exclude_id)
        .select_related("partner", "product_line")
        .order_by("created_at", "id")[:MAX_ROWS]
    )
    return list(rows)


def conflict_check(organization, company: Company, *, today: dt.date) -> dict:
    """The conflict check of `company` (see the module docstring), as stored JSON."""
    matches = account_matches(organization, name=company.name, domain=company.domain)
    account_ids = [m.account_id for m in matches]
    opportunities = list(
        Opportunity.objects.filter(
            organization=organization, account_id__in=account_ids, stage__in=OPEN_STAGES
        )
        .select_related("owner")
        .order_by("-amount", "id")[:MAX_ROWS]
    )
    registrations = _other_registrations(organization, company, account_ids, today)
    protected_by = next(
        (
            r.pk
            for r in registrations
            if r.status == RegistrationStatus.APPROVED
            and r.product_line_id == company.product_line_id
            and r.account_id in account_ids
        ),
        None,
    )
    owner = None
    if matches and matches[0].owner_id is not None:
        owner = get_user_model().objects.filter(pk=matches[0].owner_id).first()
    return {
        "checked_on": today.isoformat(),
        "accounts": [
            {"id": m.account_id, "name": m.account_name, "reason": m.reason, "score": m.score}
            for m in matches
        ],
        "opportunities": [
            {
                "id": o.pk,
                "name": o.name,
                "stage": o.stage,
                "amount": str(o.amount),
                "owner": _person(o.owner),
            }
            for o in opportunities
        ],
        "registrations": [
            {
                "id": r.pk,
                "partner": r.partner.name,
                "status": r.status,
                "account_name": r.account_name,
                "product_line": r.product_line.name,
                "protected_until": r.protected_until.isoformat() if r.protected_until else None,
            }
            for r in registrations
        ],
        "protected_by": protected_by,
        "owner": _person(owner),
    }


def conflict_found(check: dict) -> bool:
    """In conflict: open opportunities, or other partners' active registrations."""
    return bool(check.get("opportunities") or check.get("registrations"))


def partner_summary(check: dict) -> list[str]:
    """What the partner is told about a conflict: facts, without naming anyone."""
    lines = []
    if check.get("accounts"):
        lines.append("This company is already an account in our CRM.")
    if check.get("opportunities"):
        count = len(check["opportunities"])
        lines.append(
            f"Our sales team has {count} open {'opportunity' if count == 1 else 'opportunities'} with it."
        )
    if check.get("registrations"):
        lines.append("Another partner has registered this company.")
    if check.get("protected_by"):
        lines.append("Another partner's approved registration protects it for this product line.")
    return lines
