"""The partner program's models."""

from partners.models.approvals import ApprovalDecision, ApprovalPolicy, ApprovalStep
from partners.models.disputes import (
    PENDING_DISPUTE_STATUSES,
    DisputeAttachment,
    DisputeComment,
    DisputeSide,
    DisputeStatus,
    PartnerDispute,
)
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
    "PENDING_DISPUTE_STATUSES",
    "ApprovalDecision",
    "ApprovalPolicy",
    "ApprovalStep",
    "DealRegistration",
    "DisputeAttachment",
    "DisputeComment",
    "DisputeSide",
    "DisputeStatus",
    "PartnerDispute",
    "PartnerManagerGrant",
    "ProgramSettings",
    "RegistrationAttachment",
    "RegistrationLink",
    "RegistrationStatus",
]
