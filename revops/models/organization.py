"""Organizations (tenants) and the memberships that give users a role in one."""

from django.conf import settings
from django.db import models

from revops.models.base import BaseModel


class Organization(BaseModel):
    """A customer of revops: every domain row belongs to exactly one."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="USD")
    time_zone = models.CharField(max_length=64, default="UTC")
    fiscal_year_start_month = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fiscal_year_start_month__gte=1)
                & models.Q(fiscal_year_start_month__lte=12),
                name="organization_fiscal_month_1_12",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    FINANCE = "finance", "Finance"
    REP = "rep", "Sales rep"
    PARTNER = "partner", "Partner user"


class Membership(BaseModel):
    """A user's role in one organization; reps have a manager, partner users a partner."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, db_index=True)
    team = models.CharField(max_length=100, blank=True)
    manager = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports",
        help_text="For reps: the manager whose team they are on.",
    )
    org_wide = models.BooleanField(
        default=False, help_text="For managers: sees the whole organization, not only the team."
    )
    partner = models.ForeignKey(
        "revops.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
        help_text="For partner users: the partner they act for.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.PARTNER) | models.Q(partner__isnull=False),
                name="membership_partner_user_has_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"
