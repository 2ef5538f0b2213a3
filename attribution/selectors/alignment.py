"""Ledger alignment reads: the rule set and settings the ledger was last brought in line with,
the ones in force now, which accounts a change between the two can reach, and the alignment
the last settings change queued."""

from __future__ import annotations

from dataclasses import dataclass

from attribution.models import AccountPartner, AttributionSettings, LinkStatus, OpportunityPartner
from attribution.models.settings import ROLES
from attribution.selectors.rule_sets import RuleSet, active_rule_specs, rule_set_of_versions
from attribution.selectors.settings import attribution_settings_of, settings_state
from attribution.selectors.splits import NARROW_ACCOUNTS_MAX, changed_rules, rule_change_accounts
from revops.models import JobRun, Organization

ALIGNMENT_KIND = "attribution.recompute"
# Idempotency keys of the alignments settings changes queue start with this.
SETTINGS_ALIGNMENT_KEY = f"{ALIGNMENT_KIND}:settings-"


@dataclass(frozen=True)
class AlignmentState:
    """What the ledger's splits follow: the active rule versions (ids) and the settings."""

    rule_versions: tuple[int, ...]
    settings: dict

    def as_json(self) -> dict:
        return {"rules": list(self.rule_versions), "settings": self.settings}

    @classmethod
    def from_json(cls, data: dict) -> AlignmentState:
        return cls(rule_versions=tuple(data["rules"]), settings=data["settings"])


@dataclass(frozen=True)
class CurrentRules:
    """The rule set and settings in force now, and the state they make up."""

    rules: RuleSet
    settings: AttributionSettings
    state: AlignmentState


def alignment_state_current(*, organization: Organization) -> CurrentRules:
    rules = active_rule_specs(organization=organization)
    settings = attribution_settings_of(organization=organization)
    state = AlignmentState(rule_versions=tuple(sorted(rules[1].values())), settings=settings_state(settings))
    return CurrentRules(rules, settings, state)


def alignment_state_last(*, organization: Organization) -> AlignmentState | None:
    """The state recorded by the newest alignment job that succeeded; None when no job has
    recorded one (the ledger is then aligned in full once)."""
    job = (
        JobRun.objects.filter(
            organization=organization,
            kind=ALIGNMENT_KIND,
            status=JobRun.Status.SUCCEEDED,
            counts__has_key="aligned",
        )
        .order_by("-finished_at", "-id")
        .only("counts")
        .first()
    )
    return AlignmentState.from_json(job.counts["aligned"]) if job is not None else None


def settings_change_roles(before: dict, after: dict) -> set[str] | None:
    """The partner roles whose splits a settings change can move; None for "every split"
    (the account cap applies to every account)."""
    if before["enforce_account_cap"] != after["enforce_account_cap"]:
        return None
    roles = {role for role in ROLES if before["defaults"].get(role) != after["defaults"].get(role)}
    if (before["si_mode"], before["si_fixed_percent"]) != (after["si_mode"], after["si_fixed_percent"]):
        roles.add("si")
    return roles


def accounts_with_roles(*, organization: Organization, roles: set[str]) -> set[int] | None:
    """Accounts holding an active link in one of `roles` (deal or account links); None when
    there are too many to list."""
    accounts: set[int] = set()
    if not roles:
        return accounts
    for model, account in ((OpportunityPartner, "opportunity__account_id"), (AccountPartner, "account_id")):
        accounts.update(
            model.objects.filter(organization=organization, status=LinkStatus.ACTIVE, role__in=sorted(roles))
            .values_list(account, flat=True)
            .distinct()
            .order_by()
        )
        if len(accounts) > NARROW_ACCOUNTS_MAX:
            return None
    return accounts


@dataclass(frozen=True)
class AlignmentReach:
    """The accounts to recompute (None: all), and the rule set the ledger was aligned to."""

    account_ids: set[int] | None
    before_rules: tuple


def alignment_reach(
    *, organization: Organization, last: AlignmentState, current: CurrentRules, account_ids: set[int]
) -> AlignmentReach:
    """Accounts a change from `last` to `current` can reach, plus `account_ids` (changed links).

    A rule change reaches the accounts holding a link one of the changed versions can match
    (tier, role, stage, amount, segment, region, product line); a settings change reaches the
    accounts with links in the roles whose default it moved. Nothing else can move a split
    between the two states, so every other account's shares are unchanged.
    """
    before = current.rules
    reached: set[int] | None = set(account_ids)
    if last.rule_versions != current.state.rule_versions:
        before = rule_set_of_versions(organization=organization, version_ids=list(last.rule_versions))
        changed = changed_rules(before[0], current.rules[0])
        by_rules = rule_change_accounts(organization=organization, rules=changed)
        reached = None if by_rules is None else reached | by_rules
    if reached is not None and last.settings != current.state.settings:
        roles = settings_change_roles(last.settings, current.state.settings)
        by_settings = None if roles is None else accounts_with_roles(organization=organization, roles=roles)
        reached = None if by_settings is None else reached | by_settings
    if reached is not None and len(reached) > NARROW_ACCOUNTS_MAX:
        reached = None
    return AlignmentReach(account_ids=reached, before_rules=before)


def settings_alignment_latest(*, organization: Organization) -> JobRun | None:
    """The ledger alignment the organization's last settings change queued (None before any)."""
    return (
        JobRun.objects.filter(
            organization=organization,
            kind=ALIGNMENT_KIND,
            idempotency_key__startswith=SETTINGS_ALIGNMENT_KEY,
        )
        .order_by("-created_at", "-id")
        .first()
    )
