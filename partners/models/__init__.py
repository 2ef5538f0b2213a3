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
from partners.models.touchpoints import (
    ActivityType,
    PartnerTouchpoint,
    SplitChangeRequest,
    TouchpointAttachment,
)

__all__ = [
    "ACTIVE_STATUSES",
    "PENDING_DISPUTE_STATUSES",
    "ActivityType",
    "AlertKind",
    "AlertStatus",
    "ApprovalDecision",
    "ApprovalKind",
    "ApprovalPolicy",
    "ApprovalStatus",
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
    "PartnerTouchpoint",
    "ProgramSettings",
    "ProgramTier",
    "RegistrationAttachment",
    "RegistrationLink",
    "RegistrationStatus",
    "SplitChangeRequest",
    "TierChangeStatus",
    "TouchpointAttachment",
]
