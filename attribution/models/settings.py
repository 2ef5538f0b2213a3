"""Per-organization attribution settings, with the default split per role as typed JSON."""

from decimal import Decimal

import pydantic
from django.core.exceptions import ValidationError
from django.db import models

from revops.models import OrganizationOwnedModel
from revops.models.crm import PartnerType

ROLES = tuple(PartnerType.values)


class DefaultSplits(pydantic.BaseModel):
    """Default split percent per partner role, used when a link has no explicit split."""

    model_config = pydantic.ConfigDict(extra="forbid", frozen=True)

    si: Decimal = pydantic.Field(default=Decimal("0"), ge=0, le=100, decimal_places=2)
    influence: Decimal = pydantic.Field(default=Decimal("0"), ge=0, le=100, decimal_places=2)
    referral: Decimal = pydantic.Field(default=Decimal("0"), ge=0, le=100, decimal_places=2)
    isv: Decimal = pydantic.Field(default=Decimal("0"), ge=0, le=100, decimal_places=2)

    @classmethod
    def load(cls, data: dict | None) -> "DefaultSplits":
        try:
            return cls.model_validate(data or {})
        except pydantic.ValidationError as exc:
            raise ValidationError({"default_splits": str(exc)}) from exc

    def as_json(self) -> dict[str, str]:
        return {role: str(getattr(self, role)) for role in ROLES}


class SiMode(models.TextChoices):
    LIVE_SHARE = "live_share", "Live share"
    FIXED_PERCENT = "fixed_percent", "Fixed percent"
    MANUAL_ONLY = "manual_only", "Manual only"


class AttributionSettings(OrganizationOwnedModel):
    """How an organization attributes revenue to partners when rules and links leave it open."""

    enforce_account_cap = models.BooleanField(
        default=True, help_text="Refuse account splits that would add up to more than 100 %."
    )
    si_mode = models.CharField(max_length=16, choices=SiMode.choices, default=SiMode.LIVE_SHARE)
    si_fixed_percent = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("0"))
    default_splits = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["organization"]
        verbose_name_plural = "attribution settings"
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="attributionsettings_one_per_org"),
            models.CheckConstraint(
                condition=models.Q(si_fixed_percent__gte=0) & models.Q(si_fixed_percent__lte=100),
                name="attributionsettings_si_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"Attribution settings of {self.organization_id}"

    def clean(self) -> None:
        self.default_splits = DefaultSplits.load(self.default_splits).as_json()

    @property
    def defaults(self) -> DefaultSplits:
        return DefaultSplits.load(self.default_splits)
