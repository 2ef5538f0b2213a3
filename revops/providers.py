"""Figures one domain app needs from another, without importing it.

Domain apps never import each other. When one job needs another's figure, the core declares a
small interface here and the owning app registers an implementation in ``AppConfig.ready``
(the way navigation, schedules, demo steps and period hooks register). Consumers call the
functions below; when no provider is registered they get the core's labelled fallback, never
an error:

* **Win probability** (registered by forecasting; read by commissions' expected pay and
  marketing's expected ROAS). Fallback: the organization's historical win rate per stage
  (closed won ÷ closed deals that passed through the stage), labelled ``"stage win rate"``.
* **Journey touches** (registered by marketing attribution; read by forecasting's features and
  the deal page): touch counts and channels per opportunity as of a date. Fallback: no touches.
* **Partner touches** (registered by the partner program; read by marketing attribution so
  partner-influenced and marketing-influenced revenue sit on the same journeys). Fallback: none.
* **Split change review** (registered by the partner program; asked by partner attribution's
  split change on the deal page and the API): a change of a deal's partner split larger than
  the organization allows goes to the approval queue instead of applying. Fallback: none —
  every change applies at once.
* **CRM records** (``crm_leads_upsert`` and ``crm_campaigns_upsert`` registered by lead
  distribution, ``crm_marketing_campaigns_upsert`` and ``crm_campaign_members_upsert`` by
  marketing attribution; called by the Salesforce sync): records in, one outcome per record
  out, idempotent by Salesforce id. An object several apps store (Campaign) goes to each of
  them. Fallback: none — the sync refuses to configure or run an object nobody stores.
* **CRM partner links** (registered by partner attribution; called by the Salesforce sync for
  OpportunityPartner records): deal–partner links created, changed or deactivated through
  attribution's link services, one outcome per record. Fallback: every record refused, saying
  partner attribution is not installed (nothing written).
* **Attribution results** (registered by partner attribution; read by the Salesforce push-back):
  per deal, partner and role, the amount posted in one fiscal period. Fallback: none.
* **Quota** (registered by commissions, from its business objectives; read by forecasting's
  attainment and coverage): each rep's quota for a period. Fallback: no quota, labelled
  ``"no quota"`` (the pages say so instead of dividing by nothing).

Each provider is one callable; registering twice replaces (the last app wins, as in tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

# -- win probability ---------------------------------------------------------------------------

STAGE_WIN_RATE_SOURCE = "stage win rate"


@dataclass(frozen=True)
class WinProbability:
    """One open deal's chance to close won, and what produced the number."""

    opportunity_id: int
    probability: Decimal  # 0..1, four decimals
    source: str  # shown next to the number: "stage win rate", "LightGBM v3", ...


class WinProbabilityProvider(Protocol):
    def __call__(self, organization, opportunity_ids: Sequence[int]) -> dict[int, WinProbability]: ...


# -- journey touches ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TouchSummary:
    """What marketing knows about one opportunity's journey as of a date."""

    opportunity_id: int
    touch_count: int
    channels: tuple[str, ...]  # distinct channel names, first touch first
    last_touch_at: dt.datetime | None


class TouchSummaryProvider(Protocol):
    def __call__(
        self, organization, opportunity_ids: Sequence[int], *, as_of: dt.datetime | None = None
    ) -> dict[int, TouchSummary]: ...


# -- partner touches ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerTouch:
    """An approved partner activity, entering marketing journeys as a touch."""

    occurred_at: dt.datetime
    account_id: int | None
    opportunity_id: int | None
    partner_id: int
    channel: str  # e.g. "Partner: referral"
    external_id: str  # stable, so re-reading does not duplicate touches


class PartnerTouchProvider(Protocol):
    def __call__(self, organization, *, since: dt.datetime, until: dt.datetime) -> Iterable[PartnerTouch]: ...


# -- split change review -----------------------------------------------------------------------


@dataclass(frozen=True)
class SplitChangeProposal:
    """A change of one partner's split on one deal, as asked (before it applies)."""

    opportunity_id: int
    partner_id: int
    role: str
    current_split: Decimal | None  # None: no link yet, or the role's default split
    proposed_split: Decimal | None
    reason: str


@dataclass(frozen=True)
class SplitReview:
    """The change waits for approval: which request holds it, and what to tell the user."""

    request_id: int
    message: str


class SplitChangeReviewProvider(Protocol):
    def __call__(self, *, membership, proposal: SplitChangeProposal) -> SplitReview | None: ...


# -- quota -------------------------------------------------------------------------------------

NO_QUOTA_SOURCE = "no quota"


@dataclass(frozen=True)
class Quotas:
    """Each rep's quota for one period, and where the figures come from.

    ``by_user``: user id → quota (Decimal, cents); a rep without a quota is absent, not zero.
    ``source``: shown next to the figures ("business objectives", or ``NO_QUOTA_SOURCE``).
    """

    by_user: dict[int, Decimal]
    source: str

    @property
    def available(self) -> bool:
        return self.source != NO_QUOTA_SOURCE


class QuotaProvider(Protocol):
    def __call__(
        self, organization, *, start: dt.date, end: dt.date, user_ids: Sequence[int] | None
    ) -> Quotas: ...


# -- CRM records (the Salesforce sync's Lead, Campaign, CampaignMember) ---------------------------


@dataclass(frozen=True)
class CrmRecord:
    """One Salesforce record for the app that stores it: the mapped values, by target field.

    Values are already ours: text, dates, Decimal; `owner_id` is a revops user id (or None);
    references to other Salesforce records (`campaign`, `lead`, `contact`) are Salesforce ids.
    """

    salesforce_id: str
    values: dict
    deleted: bool
    modstamp: dt.datetime


@dataclass(frozen=True)
class CrmOutcome:
    """What the app did (or, in a dry run, would do) with one record: a sync log action
    (create, update, unchanged, delete, error), a message and the changed values."""

    salesforce_id: str
    action: str
    message: str = ""
    changes: dict | None = None


class CrmUpsertProvider(Protocol):
    def __call__(
        self,
        organization_id: int,
        records: Sequence[CrmRecord],
        *,
        dry_run: bool,
        pending: Mapping[str, set[str]],
    ) -> list[CrmOutcome]: ...


# Salesforce object → the providers that store it, in the order the sync hands them a page; the
# first one registered is the object's own (its outcomes are the object's counts), the others
# are counted and logged under their app's name.
CRM_PROVIDERS: dict[str, tuple[str, ...]] = {
    "Lead": ("crm_leads_upsert",),
    "Campaign": ("crm_campaigns_upsert", "crm_marketing_campaigns_upsert"),
    "CampaignMember": ("crm_campaign_members_upsert",),
}
# Which app registers each CRM provider (named in refusals and in the sync log).
CRM_PROVIDER_APPS = {
    "crm_leads_upsert": "lead distribution",
    "crm_campaigns_upsert": "lead distribution",
    "crm_marketing_campaigns_upsert": "marketing attribution",
    "crm_campaign_members_upsert": "marketing attribution",
}


def crm_providers_registered(sobject: str) -> list[str]:
    """The registered providers of a Salesforce object, in order (empty: nobody stores it)."""
    return [name for name in CRM_PROVIDERS.get(sobject, ()) if name in _providers]


def crm_upsert(
    name: str,
    organization_id: int,
    records: Sequence[CrmRecord],
    *,
    dry_run: bool,
    pending: Mapping[str, set[str]] | None = None,
) -> list[CrmOutcome]:
    """Hand a page of records to the app registered as `name`; its outcome per record.

    `pending`: per provider name, the Salesforce ids its app would create in this run's
    preview (a reference to one of them is not an error in a preview). Raises LookupError when no app is registered
    (the sync checks first, so this names a bug)."""
    provider = _providers.get(name)
    if provider is None:
        raise LookupError(f"No app stores {name}.")
    return list(provider(organization_id, list(records), dry_run=dry_run, pending=pending or {}))


# -- CRM partner links ------------------------------------------------------------------------


class LinkOutcome:
    """What applying one CRM link record did (or, in a preview, would do)."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DEACTIVATED = "deactivated"
    CONFLICT = "conflict"  # our value kept under the mapping's conflict policy
    ERROR = "error"


@dataclass(frozen=True)
class CrmPartnerLink:
    """One CRM record of a partner on a deal, with our ids already resolved."""

    opportunity_id: int
    partner_id: int
    role: str
    primary: bool
    external_id: str  # the CRM record's id: the link's identity across runs
    deleted: bool
    modstamp: dt.datetime  # when the CRM record last changed (for the "newest" policy)
    role_policy: str = "salesforce"  # "salesforce", "revops" or "newest"


@dataclass(frozen=True)
class CrmLinkResult:
    external_id: str
    outcome: str  # a LinkOutcome value
    message: str = ""
    changes: dict | None = None  # field → [old, new]


class CrmPartnerLinksProvider(Protocol):
    def __call__(
        self, organization, *, actor, links: Sequence[CrmPartnerLink], source: str, dry_run: bool
    ) -> list[CrmLinkResult]: ...


NO_LINK_PROVIDER = "Partner attribution is not installed: deal–partner links cannot be written."


# -- attribution results -----------------------------------------------------------------------


@dataclass(frozen=True)
class AttributionResult:
    """One partner's attributed amount on one deal in one posting period (reversals netted)."""

    opportunity_id: int
    partner_id: int
    role: str
    split_percent: Decimal  # the split of the latest posting
    amount: Decimal  # cents; zero when later postings reversed it all


class AttributionResultsProvider(Protocol):
    def __call__(self, organization, *, period_id: int) -> list[AttributionResult]: ...


_providers: dict[str, Callable] = {}


def register_provider(name: str, func: Callable) -> None:
    """Register an app's implementation: one of ``PROVIDER_NAMES``."""
    if name not in PROVIDER_NAMES:
        raise ValueError(f"Unknown provider {name!r}; known: {', '.join(PROVIDER_NAMES)}")
    _providers[name] = func


def unregister_provider(name: str) -> None:
    _providers.pop(name, None)


@contextmanager
def provider_override(name: str, func: Callable | None) -> Iterator[None]:
    """Use ``func`` (or no provider, with ``None``) for ``name`` inside the block, then put back
    whatever was registered before (tests; the apps' own registrations survive)."""
    if name not in PROVIDER_NAMES:
        raise ValueError(f"Unknown provider {name!r}; known: {', '.join(PROVIDER_NAMES)}")
    missing = object()
    previous = _providers.get(name, missing)
    if func is None:
        _providers.pop(name, None)
    else:
        _providers[name] = func
    try:
        yield
    finally:
        if previous is missing:
            _providers.pop(name, None)
        else:
            _providers[name] = previous  # type: ignore[assignment]


def provider_registered(name: str) -> bool:
    return name in _providers


PROVIDER_NAMES = (
    "win_probability",
    "touch_summary",
    "partner_touches",
    "split_change_review",
    "quota",
    "crm_partner_links",
    "attribution_results",
    *(name for names in CRM_PROVIDERS.values() for name in names),
)


def win_probabilities(organization, opportunity_ids: Sequence[int]) -> dict[int, WinProbability]:
    """Each open deal's win probability: the registered model, else the stage win rate."""
    ids = list(opportunity_ids)
    if not ids:
        return {}
    provider = _providers.get("win_probability")
    found: dict[int, WinProbability] = dict(provider(organization, ids)) if provider else {}
    missing = [pk for pk in ids if pk not in found]
    if missing:
        found.update(stage_win_probabilities(organization, missing))
    return found


def stage_win_probabilities(organization, opportunity_ids: Sequence[int]) -> dict[int, WinProbability]:
    """The fallback: for each deal, the share of closed deals that passed its stage and were won."""
    from revops.models import Opportunity
    from revops.selectors.stage_rates import stage_win_rates

    rates = stage_win_rates(organization)
    out = {}
    rows = Opportunity.objects.filter(organization=organization, pk__in=list(opportunity_ids)).values_list(
        "pk", "stage"
    )
    for pk, stage in rows:
        out[pk] = WinProbability(pk, rates.get(stage, Decimal("0")), STAGE_WIN_RATE_SOURCE)
    return out


def touch_summaries(
    organization, opportunity_ids: Sequence[int], *, as_of: dt.datetime | None = None
) -> dict[int, TouchSummary]:
    """Journey touches per opportunity (empty when marketing attribution is not installed)."""
    provider = _providers.get("touch_summary")
    if provider is None or not opportunity_ids:
        return {}
    return dict(provider(organization, list(opportunity_ids), as_of=as_of))


def partner_touches(organization, *, since: dt.datetime, until: dt.datetime) -> list[PartnerTouch]:
    """Approved partner activities as touches (none when the partner program registers none)."""
    provider = _providers.get("partner_touches")
    if provider is None:
        return []
    return list(provider(organization, since=since, until=until))


def split_change_review(*, membership, proposal: SplitChangeProposal) -> SplitReview | None:
    """Queue the change for approval when the registered review asks for it (a SplitReview);
    None — apply it now — when it does not, or when no app reviews split changes."""
    provider = _providers.get("split_change_review")
    if provider is None:
        return None
    return provider(membership=membership, proposal=proposal)


def quotas(organization, *, start: dt.date, end: dt.date, user_ids: Sequence[int] | None = None) -> Quotas:
    """The quotas of ``user_ids`` (None: every rep) for the period ``[start, end)``; labelled
    ``"no quota"`` and empty when no app provides quotas."""
    provider = _providers.get("quota")
    if provider is None:
        return Quotas({}, NO_QUOTA_SOURCE)
    return provider(organization, start=start, end=end, user_ids=None if user_ids is None else list(user_ids))


def crm_partner_links(
    organization, *, actor, links: Sequence[CrmPartnerLink], source: str, dry_run: bool = False
) -> list[CrmLinkResult]:
    """Apply (or, with ``dry_run``, preview) CRM deal–partner links; one result per record, in
    order. Without a registered provider every record is refused and nothing is written."""
    provider = _providers.get("crm_partner_links")
    if provider is None:
        return [CrmLinkResult(link.external_id, LinkOutcome.ERROR, NO_LINK_PROVIDER) for link in links]
    return list(provider(organization, actor=actor, links=list(links), source=source, dry_run=dry_run))


def attribution_results(organization, *, period_id: int) -> list[AttributionResult]:
    """Partner results per deal posted in the period (none when no app provides them)."""
    provider = _providers.get("attribution_results")
    if provider is None:
        return []
    return list(provider(organization, period_id=period_id))


__all__ = [
    "CRM_PROVIDERS",
    "CRM_PROVIDER_APPS",
    "NO_LINK_PROVIDER",
    "NO_QUOTA_SOURCE",
    "PROVIDER_NAMES",
    "STAGE_WIN_RATE_SOURCE",
    "AttributionResult",
    "CrmLinkResult",
    "CrmOutcome",
    "CrmPartnerLink",
    "CrmRecord",
    "Decimal",
    "LinkOutcome",
    "PartnerTouch",
    "Quotas",
    "SplitChangeProposal",
    "SplitReview",
    "TouchSummary",
    "WinProbability",
    "attribution_results",
    "crm_partner_links",
    "crm_providers_registered",
    "crm_upsert",
    "partner_touches",
    "provider_override",
    "provider_registered",
    "quotas",
    "register_provider",
    "split_change_review",
    "stage_win_probabilities",
    "touch_summaries",
    "unregister_provider",
    "win_probabilities",
]
