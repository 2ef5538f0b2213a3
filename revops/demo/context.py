"""What every demo seeding step receives: the organization, its spec, the anchor date and a seeded RNG."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from revops.demo.specs import OrgSpec
from revops.demo.vocabulary import demo_words
from revops.models import Membership, Organization, Role


@dataclass
class SeedContext:
    """State shared by the steps seeding one organization.

    `rng` is replaced before each step by one seeded from (seed, organization, step name), so a
    step draws the same numbers whatever steps run before it, and adding a step changes nothing
    that other steps generate.
    """

    organization: Organization
    spec: OrgSpec
    seed: int
    scale: float
    today: dt.date
    password_hash: str
    rng: random.Random = field(default_factory=random.Random)

    def rng_for(self, step_name: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.spec.slug}:{step_name}")

    def words(self, name: str) -> tuple[str, ...]:
        """This organization's words of a registered demo vocabulary (`register_vocabulary`)."""
        return demo_words(name, org_slug=self.spec.slug)

    def scaled(self, count: int) -> int:
        """`count` multiplied by the scale; at least one."""
        return max(1, round(count * self.scale))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.organization.time_zone)

    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        """An aware datetime at a local wall-clock time in the organization's time zone."""
        return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.tz)

    def members(self, role: str, **filters) -> list[Membership]:
        """This organization's memberships with `role`, in creation order, users loaded."""
        return list(
            Membership.objects.filter(organization=self.organization, role=role, **filters)
            .select_related("user")
            .order_by("pk")
        )

    def reps(self) -> list[Membership]:
        return self.members(Role.REP)

    def finance_user(self):
        finance = self.members(Role.FINANCE)
        return finance[0].user if finance else None
