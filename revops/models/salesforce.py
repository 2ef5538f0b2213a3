"""Salesforce sync configuration and its trail: connection, field mappings, segments,
watermarks and the per-record sync log. The sync itself is `revops.services.salesforce_sync`."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from revops.models.base import OrganizationOwnedModel

ENV_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,99}$")
API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")


class SyncObject(models.TextChoices):
    """The Salesforce objects the sync reads, in the order it reads them."""

    ACCOUNT = "Account", "Account → accounts"
    PARTNER = "Partner", "Partner object → partners"
    OPPORTUNITY = "Opportunity", "Opportunity → opportunities"
    OPPORTUNITY_HISTORY = "OpportunityHistory", "OpportunityHistory → stage changes"
    OPPORTUNITY_PARTNER = "OpportunityPartner", "OpportunityPartner → deal–partner links"
    # Stored by the apps that use them, through providers (`revops.providers`).
    CAMPAIGN = "Campaign", "Campaign → campaigns (lead distribution)"
    LEAD = "Lead", "Lead → leads (lead distribution)"
    CAMPAIGN_MEMBER = "CampaignMember", "CampaignMember → touches (marketing attribution)"


class ConflictPolicy(models.TextChoices):
    SALESFORCE_WINS = "salesforce", "Salesforce wins"
    REVOPS_WINS = "revops", "revops wins"
    NEWEST = "newest", "Newest change wins"


class Transform(models.TextChoices):
    COPY = "copy", "Copy the text"
    VALUE_MAP = "value_map", "Value map (JSON)"
    DATE = "date", "Parse a date"
    NUMBER = "number", "Parse a number"
    CONSTANT = "constant", "Constant"


def validate_api_name(value: str) -> None:
    if not API_NAME.match(value):
        raise ValidationError(f"{value!r} is not a Salesforce API name (letters, digits, underscores).")


def validate_env_name(value: str) -> None:
    if value and not ENV_NAME.match(value):
        raise ValidationError(
            "Give the NAME of an environment variable (capitals, digits, underscores), not its value."
        )


class SalesforceConnection(OrganizationOwnedModel):
    """How one organization reaches its Salesforce org. Credentials are never stored: the row
    names the environment variables that hold them (each may also be given as NAME_FILE)."""

    name = models.CharField(max_length=100, default="Salesforce")
    instance_url = models.URLField(help_text="https://yourdomain.my.salesforce.com")
    api_version = models.CharField(max_length=8, default="59.0")
    login_url = models.URLField(
        blank=True, help_text="For a username/password login: https://login.salesforce.com or test."
    )
    session_env = models.CharField(
        max_length=100,
        blank=True,
        validators=[validate_env_name],
        help_text="Variable holding an access token (session id); leave empty to log in with a username.",
    )
    username_env = models.CharField(max_length=100, blank=True, validators=[validate_env_name])
    password_env = models.CharField(max_length=100, blank=True, validators=[validate_env_name])
    security_token_env = models.CharField(max_length=100, blank=True, validators=[validate_env_name])
    ca_file = models.CharField(
        max_length=300,
        blank=True,
        help_text="CA bundle for a private certificate authority; empty: the system's.",
    )
    partner_object = models.CharField(
        max_length=80,
        default="Partner__c",
        validators=[validate_api_name],
        help_text="The Salesforce object that holds partner companies (a custom object).",
    )
    enabled = models.BooleanField(default=False, help_text="Scheduled syncs run only when enabled.")
    schedule_hour = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="UTC hour of the daily incremental sync; empty: every hour."
    )
    schedule_minute = models.PositiveSmallIntegerField(default=30)
    conflict_policy = models.CharField(
        max_length=16, choices=ConflictPolicy.choices, default=ConflictPolicy.SALESFORCE_WINS
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_synced_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Push-back of attribution results to a custom object (off unless an object is named).
    pushback_object = models.CharField(
        max_length=80,
        blank=True,
        validators=[validate_api_name],
        help_text="Custom object that receives attribution results, e.g. Revops_Attribution__c; empty: off.",
    )
    pushback_external_id_field = models.CharField(
        max_length=80, blank=True, default="Revops_Key__c", validators=[validate_api_name]
    )
    pushback_partner_field = models.CharField(
        max_length=80, blank=True, default="Partner__c", validators=[validate_api_name]
    )
    pushback_opportunity_field = models.CharField(
        max_length=80, blank=True, default="Opportunity__c", validators=[validate_api_name]
    )
    pushback_role_field = models.CharField(
        max_length=80, blank=True, default="Role__c", validators=[validate_api_name]
    )
    pushback_split_field = models.CharField(
        max_length=80, blank=True, default="Split_Percent__c", validators=[validate_api_name]
    )
    pushback_amount_field = models.CharField(
        max_length=80, blank=True, default="Amount__c", validators=[validate_api_name]
    )
    pushback_period_field = models.CharField(
        max_length=80, blank=True, default="Period__c", validators=[validate_api_name]
    )
    pushback_scheduled = models.BooleanField(
        default=False,
        help_text="Push the current and the previous period's results daily at schedule_hour (UTC, 2 if empty).",
    )

    class Meta:
        ordering = ["organization", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="sf_connection_unique_name"),
            models.CheckConstraint(
                condition=models.Q(schedule_hour__isnull=True) | models.Q(schedule_hour__lte=23),
                name="sf_connection_hour_range",
            ),
            models.CheckConstraint(
                condition=models.Q(schedule_minute__lte=59), name="sf_connection_minute_range"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.session_env and not (self.username_env and self.password_env):
            raise ValidationError(
                "Name the variable of an access token, or those of a username and a password."
            )
        if self.pushback_object:
            missing = [name for name in PUSHBACK_FIELDS if not getattr(self, name)]
            if missing:
                raise ValidationError(dict.fromkeys(missing, "Name the custom object's field for push-back."))
        if self.pushback_scheduled and not self.pushback_object:
            raise ValidationError({"pushback_scheduled": "Name the push-back object first."})


# The connection's fields naming the push-back object's fields, in the order they are written.
PUSHBACK_FIELDS = (
    "pushback_external_id_field",
    "pushback_partner_field",
    "pushback_opportunity_field",
    "pushback_role_field",
    "pushback_split_field",
    "pushback_amount_field",
    "pushback_period_field",
)


class SyncSegment(OrganizationOwnedModel):
    """A slice of one Salesforce object synced with its own mapping overrides and owner.

    Segments of an object are tried in `order`: a record belongs to the first whose filter it
    matches (the SOQL of a segment excludes every earlier one), so it syncs exactly once.
    """

    connection = models.ForeignKey(SalesforceConnection, on_delete=models.CASCADE, related_name="segments")
    sobject = models.CharField(max_length=32, choices=SyncObject.choices)
    name = models.CharField(max_length=100)
    order = models.PositiveIntegerField(default=0)
    record_type_id = models.CharField(max_length=18, blank=True, help_text="RecordTypeId equals this.")
    region_field = models.CharField(
        max_length=80, blank=True, help_text="Field holding the region, e.g. Region__c."
    )
    region = models.CharField(max_length=80, blank=True)
    owner_role_id = models.CharField(max_length=18, blank=True, help_text="Owner.UserRoleId equals this.")
    conditions = models.JSONField(
        default=list,
        blank=True,
        help_text='More conditions, all must hold: [{"field": "Amount", "operator": ">=", "value": "1000"}].',
    )
    owner_map = models.JSONField(
        default=dict,
        blank=True,
        help_text='Salesforce owner e-mail → revops user e-mail, e.g. {"ana@corp.com": "ana@acme.test"}.',
    )
    default_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["connection", "sobject", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "sobject", "name"], name="sf_segment_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.sobject}: {self.name}"

    def clean(self) -> None:
        from revops.salesforce_schema import segment_conditions_check

        if self.sobject == SyncObject.OPPORTUNITY_HISTORY:
            raise ValidationError(
                {"sobject": "Stage history follows its opportunities; segment opportunities."}
            )
        if bool(self.region_field) != bool(self.region):
            raise ValidationError({"region": "Give both the region field and the region, or neither."})
        segment_conditions_check(self.conditions)
        if not isinstance(self.owner_map, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.owner_map.items()
        ):
            raise ValidationError({"owner_map": "Give a JSON object of e-mail → e-mail."})


class FieldMapping(OrganizationOwnedModel):
    """One Salesforce field copied into one revops field, with a transform.

    A row with a segment overrides the connection's row for the same object and target field.
    """

    connection = models.ForeignKey(SalesforceConnection, on_delete=models.CASCADE, related_name="mappings")
    segment = models.ForeignKey(
        SyncSegment, null=True, blank=True, on_delete=models.CASCADE, related_name="mappings"
    )
    sobject = models.CharField(max_length=32, choices=SyncObject.choices)
    salesforce_field = models.CharField(max_length=80, blank=True)
    target_field = models.CharField(max_length=40)
    transform = models.CharField(max_length=16, choices=Transform.choices, default=Transform.COPY)
    value_map = models.JSONField(default=dict, blank=True)
    constant = models.CharField(max_length=200, blank=True)
    conflict_policy = models.CharField(
        max_length=16, choices=ConflictPolicy.choices, blank=True, help_text="Empty: the connection's."
    )

    class Meta:
        ordering = ["connection", "sobject", "segment", "target_field", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "sobject", "target_field"],
                condition=models.Q(segment__isnull=True),
                name="sf_mapping_unique_target",
                violation_error_message="This object already maps that field.",
            ),
            models.UniqueConstraint(
                fields=["segment", "sobject", "target_field"],
                condition=models.Q(segment__isnull=False),
                name="sf_mapping_unique_segment_target",
                violation_error_message="This segment already overrides that field.",
            ),
        ]

    def __str__(self) -> str:
        source = self.salesforce_field or f"'{self.constant}'"
        return f"{self.sobject}.{source} → {self.target_field}"

    def clean(self) -> None:
        from revops.salesforce_schema import mapping_row_check, provider_missing

        if message := provider_missing(self.sobject):
            raise ValidationError({"sobject": message})
        mapping_row_check(
            sobject=self.sobject,
            salesforce_field=self.salesforce_field,
            target_field=self.target_field,
            transform=self.transform,
            value_map=self.value_map,
            constant=self.constant,
        )


class SyncWatermark(OrganizationOwnedModel):
    """The newest SystemModstamp synced per object and segment: where the next incremental
    run (or a run resuming after a failure) starts reading."""

    connection = models.ForeignKey(SalesforceConnection, on_delete=models.CASCADE, related_name="watermarks")
    sobject = models.CharField(max_length=32, choices=SyncObject.choices)
    segment = models.ForeignKey(
        SyncSegment, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    modstamp = models.DateTimeField()

    class Meta:
        ordering = ["connection", "sobject", "segment"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "sobject", "segment"],
                name="sf_watermark_unique",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sobject} @ {self.modstamp:%Y-%m-%d %H:%M:%S}"


class SyncAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    UNCHANGED = "unchanged", "Unchanged"
    DELETE = "delete", "Deleted in Salesforce"
    CONFLICT = "conflict", "Conflict (revops kept)"
    ERROR = "error", "Error"


class SyncLogEntry(OrganizationOwnedModel):
    """What one sync run (or dry-run preview) did, or would do, with one Salesforce record."""

    # A connection that has synced keeps its trail: disable it rather than delete it.
    connection = models.ForeignKey(SalesforceConnection, on_delete=models.PROTECT, related_name="log")
    job = models.ForeignKey("revops.JobRun", on_delete=models.CASCADE, related_name="+")
    dry_run = models.BooleanField(default=False)
    sobject = models.CharField(max_length=32, choices=SyncObject.choices)
    segment_name = models.CharField(max_length=100, blank=True)
    salesforce_id = models.CharField(max_length=18, db_index=True)
    action = models.CharField(max_length=16, choices=SyncAction.choices, db_index=True)
    message = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-job", "id"]
        verbose_name_plural = "sync log entries"
        indexes = [models.Index(fields=["job", "action"], name="sf_log_job_action")]

    def __str__(self) -> str:
        return f"{self.sobject} {self.salesforce_id}: {self.action}"


class PushbackAction(models.TextChoices):
    CREATE = "create", "Created in Salesforce"
    UPDATE = "update", "Updated in Salesforce"
    SKIPPED = "skipped", "Skipped"
    ERROR = "error", "Error"


class PushbackLogEntry(OrganizationOwnedModel):
    """What one push-back run did with one attribution result (one custom-object record)."""

    connection = models.ForeignKey(
        SalesforceConnection, on_delete=models.PROTECT, related_name="pushback_log"
    )
    job = models.ForeignKey("revops.JobRun", on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("revops.FiscalPeriod", on_delete=models.PROTECT, related_name="+")
    external_key = models.CharField(max_length=255, db_index=True)
    action = models.CharField(max_length=16, choices=PushbackAction.choices, db_index=True)
    salesforce_id = models.CharField(max_length=18, blank=True)
    message = models.TextField(blank=True)
    values = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-job", "id"]
        verbose_name = "push-back log entry"
        verbose_name_plural = "push-back log entries"

    def __str__(self) -> str:
        return f"{self.external_key}: {self.action}"
