"""The partner program's models."""

from partners.models.approvals import (
    ApprovalDecision,
    ApprovalKind,
    ApprovalPolicy,
    ApprovalStatus,
    ApprovalStep,
)
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
from partners.models.standing import (
    AlertKind,
    AlertStatus,
    OnboardingCompletion,
    OnboardingStep,
    PartnerAlert,
    PartnerCertification,
    PartnerHealth,
    PartnerLifecycleChange,
    PartnerTierChange,
    ProgramTier,
    TierChangeStatus,
)
from partners.models.touchpoints import ActivityType, PartnerTouchpoint, SplitChangeRequest, TouchpointAttachment

__all__ = [
    "ACTIVE_STATUSES",
    "ActivityType",
    "ApprovalKind",
    "ApprovalStatus",
    "PartnerTouchpoint",
    "SplitChangeRequest",
    "TouchpointAttachment",
    "PENDING_DISPUTE_STATUSES",
    "AlertKind",
    "AlertStatus",
    "ApprovalDecision",
    "ApprovalPolicy",
    "ApprovalStep",
    "DealRegistration",
    "DisputeAttachment",
    "DisputeComment",
    "DisputeSide",
    "DisputeStatus",
    "OnboardingCompletion",
    "OnboardingStep",
    "PartnerAlert",
    "PartnerCertification",
    "PartnerDispute",
    "PartnerHealth",
    "PartnerLifecycleChange",
    "PartnerManagerGrant",
    "PartnerTierChange",
    "ProgramSettings",
    "ProgramTier",
    "RegistrationAttachment",
    "RegistrationLink",
    "RegistrationStatus",
    "TierChangeStatus",
]
