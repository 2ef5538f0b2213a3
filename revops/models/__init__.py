"""Core data model shared by every revops app."""

from revops.models.audit import AuditEvent
from revops.models.base import BaseModel, OrganizationOwnedModel
from revops.models.catalog import Product, ProductLine
from revops.models.crm import Account, Opportunity, OpportunityStageChange, Partner
from revops.models.imports import ImportProfile
from revops.models.jobs import JobRun
from revops.models.ledger import LedgerHead
from revops.models.organization import Membership, Organization, Role
from revops.models.periods import FiscalPeriod
from revops.models.reports import ReportFormat, ReportFrequency, ReportRecipient, ReportSchedule
from revops.models.salesforce import (
    FieldMapping,
    PushbackLogEntry,
    SalesforceConnection,
    SyncLogEntry,
    SyncSegment,
    SyncWatermark,
)
from revops.models.tokens import ApiToken, IdempotencyKey
from revops.models.users import User

__all__ = [
    "Account",
    "ApiToken",
    "AuditEvent",
    "BaseModel",
    "FieldMapping",
    "FiscalPeriod",
    "IdempotencyKey",
    "ImportProfile",
    "JobRun",
    "LedgerHead",
    "Membership",
    "Opportunity",
    "OpportunityStageChange",
    "Organization",
    "OrganizationOwnedModel",
    "Partner",
    "Product",
    "ProductLine",
    "PushbackLogEntry",
    "ReportFormat",
    "ReportFrequency",
    "ReportRecipient",
    "ReportSchedule",
    "Role",
    "SalesforceConnection",
    "SyncLogEntry",
    "SyncSegment",
    "SyncWatermark",
    "User",
]
