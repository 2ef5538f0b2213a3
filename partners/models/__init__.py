"""The partner program's models."""

from partners.models.approvals import ApprovalDecision, ApprovalPolicy, ApprovalStep
from partners.models.links import RegistrationLink
from partners.models.program import PartnerManagerGrant, ProgramSettings
from partners.models.registrations import (
    ACTIVE_STATUSES,
    DealRegistration,
    RegistrationAttachment,
    RegistrationStatus,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ApprovalDecision",
    "ApprovalPolicy",
    "ApprovalStep",
    "DealRegistration",
    "PartnerManagerGrant",
    "ProgramSettings",
    "RegistrationAttachment",
    "RegistrationLink",
    "RegistrationStatus",
]
