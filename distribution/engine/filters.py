"""Lead filters: which leads a run considers, in which order.

Each filter has a name (recorded in every explanation and on every exclusion). A lead is
kept only if it passes all of them, in this order:

- ``owner``: with `only_unassigned`, leads that already have an owner are left alone;
- ``date_range``: created at least `older_than_days` and at most `younger_than_days` days
  before `today` (or inside `start`..`end`, which `--override-date-range` sets);
- ``weekend`` / ``holiday``: with `exclude_weekends`, leads created on Saturday or Sunday;
  leads created on a listed holiday;
- ``web_source``: when sources are listed, the lead's source must match one: `exact`
  (whole string), `partial` (substring) or `regex` (``re.search``), case-insensitive unless
  `case_sensitive`;
- ``campaign`` / ``status``: when listed, the lead's value must be one of them;
- ``do_not_call``: with `exclude`, leads flagged do-not-call or whose status is one of the
  DNC status values (compared case-insensitively);
- ``tags``: a lead with any `exclude` tag is out; with `include` tags, it needs at least one;
- ``required_fields``: every listed field must hold a value.

Kept leads are ordered by `priority_order` (then id, so the order is total) and cut at
`max_leads`; leads beyond the cut are excluded as ``max_leads``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from operator import attrgetter

from distribution.engine.config import LeadFinding
from distribution.engine.types import Exclusion, LeadFacts

FILTER_NAMES = (
    "owner",
    "date_range",
    "weekend",
    "holiday",
    "web_source",
    "campaign",
    "status",
    "do_not_call",
    "tags",
    "required_fields",
)


def source_matcher(values: Sequence[str], *, match: str, case_sensitive: bool) -> Callable[[str], bool]:
    """A predicate on a web source for the configured match mode."""
    if match == "regex":
        flags = 0 if case_sensitive else re.IGNORECASE
        # One alternation: a single search per lead instead of one per pattern.
        pattern = re.compile("|".join(f"(?:{v})" for v in values), flags)
        return lambda s: pattern.search(s) is not None
    fold: Callable[[str], str] = (lambda s: s) if case_sensitive else str.casefold
    wanted = [fold(v) for v in values]
    if match == "partial":
        return lambda s: any(w in fold(s) for w in wanted)
    exact = frozenset(wanted)
    return lambda s: fold(s) in exact


def _sort(leads: list[LeadFacts], finding: LeadFinding) -> None:
    """Sort in place by `priority_order`, then id: one stable C-level sort per key, last key first."""
    leads.sort(key=attrgetter("id"))
    for order in reversed(finding.priority_order):
        leads.sort(key=attrgetter(order.field), reverse=order.direction == "desc")


def filter_leads(
    leads: Iterable[LeadFacts],
    finding: LeadFinding,
    *,
    today: date,
    web_sources: Sequence[str] | None = None,
    max_leads: int | None = None,
) -> tuple[list[LeadFacts], list[Exclusion], tuple[str, ...]]:
    """Split leads into (kept in priority order, exclusions, names of the filters applied).

    `web_sources` is the configured list plus the lines of its file (the caller reads it);
    `max_leads` overrides the document's.
    """
    dr = finding.date_range
    start = dr.start or (
        today - timedelta(days=dr.younger_than_days) if dr.younger_than_days is not None else None
    )
    end = dr.end or (today - timedelta(days=dr.older_than_days) if dr.older_than_days is not None else None)
    holidays = frozenset(dr.holidays)
    sources = list(finding.web_sources.values) if web_sources is None else list(web_sources)
    ws = finding.web_sources
    source_ok = source_matcher(sources, match=ws.match, case_sensitive=ws.case_sensitive) if sources else None
    campaigns = frozenset(c.casefold() for c in finding.campaigns)
    statuses = frozenset(s.casefold() for s in finding.statuses)
    dnc = finding.do_not_call
    dnc_statuses = frozenset(s.casefold() for s in dnc.statuses)
    include_tags = frozenset(finding.tags.include)
    exclude_tags = frozenset(finding.tags.exclude)
    required = tuple(finding.required_fields)

    applied = ["owner"] if finding.only_unassigned else []
    if start or end:
        applied.append("date_range")
    if dr.exclude_weekends:
        applied.append("weekend")
    if holidays:
        applied.append("holiday")
    if source_ok:
        applied.append("web_source")
    if campaigns:
        applied.append("campaign")
    if statuses:
        applied.append("status")
    if dnc.exclude:
        applied.append("do_not_call")
    if include_tags or exclude_tags:
        applied.append("tags")
    if required:
        applied.append("required_fields")

    # The configuration's switches read once, and each distinct web source matched once: the
    # loop below runs per lead (100,000 a run), where attribute chains and regexes add up.
    only_unassigned, exclude_weekends, exclude_dnc = finding.only_unassigned, dr.exclude_weekends, dnc.exclude
    source_seen: dict[str, bool] = {}
    kept: list[LeadFacts] = []
    excluded: list[Exclusion] = []
    for lead in leads:
        reason, detail = "", ""
        created = lead.created_on
        if source_ok is not None:
            source = lead.web_source
            source_fits = source_seen.get(source)
            if source_fits is None:
                source_fits = source_seen[source] = source_ok(source)
        if only_unassigned and lead.owner_id is not None:
            reason, detail = "owner", "already assigned"
        elif start and created < start:
            reason, detail = "date_range", f"created {created.isoformat()}, before {start.isoformat()}"
        elif end and created > end:
            reason, detail = "date_range", f"created {created.isoformat()}, after {end.isoformat()}"
        elif exclude_weekends and created.isoweekday() >= 6:
            reason, detail = "weekend", created.strftime("%A")
        elif holidays and created in holidays:
            reason, detail = "holiday", created.isoformat()
        elif source_ok is not None and not source_fits:
            reason, detail = "web_source", lead.web_source or "(none)"
        elif campaigns and lead.campaign.casefold() not in campaigns:
            reason, detail = "campaign", lead.campaign or "(none)"
        elif statuses and lead.status.casefold() not in statuses:
            reason, detail = "status", lead.status or "(none)"
        elif exclude_dnc and (lead.do_not_call or lead.status.casefold() in dnc_statuses):
            reason, detail = "do_not_call", "flag" if lead.do_not_call else lead.status
        elif exclude_tags and (hit := exclude_tags & lead.tags):
            reason, detail = "tags", f"excluded tag {sorted(hit)[0]}"
        elif include_tags and not include_tags & lead.tags:
            reason, detail = "tags", "none of the included tags"
        else:
            missing = [f for f in required if f not in lead.present_fields]
            if missing:
                reason, detail = "required_fields", f"missing {', '.join(missing)}"
        if reason:
            excluded.append(Exclusion(lead.id, reason, detail))
        else:
            kept.append(lead)

    _sort(kept, finding)
    limit = max_leads if max_leads is not None else finding.max_leads
    if limit is not None and len(kept) > limit:
        excluded.extend(Exclusion(lead.id, "max_leads", f"beyond the first {limit}") for lead in kept[limit:])
        kept = kept[:limit]
    return kept, excluded, tuple(applied)
