"""The partner program's models."""

from partners.models.approvals import ApprovalDecision, ApprovalPolicy, ApprovalStep
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

__all__ = [
    "ACTIVE_STATUSES",
    "AlertKind",
    "AlertStatus",
    "ApprovalDecision",
    "ApprovalPolicy",
    "ApprovalStep",
    "DealRegistration",
    "OnboardingCompletion",
    "OnboardingStep",
    "PartnerAlert",
    "PartnerCertification",
    "PartnerHealth",
    "PartnerLifecycleChange",
    "PartnerManagerGrant",
    "PartnerTierChange",
    "ProgramSettings",
    "ProgramTier",
    "RegistrationAttachment",
    "RegistrationStatus",
    "TierChangeStatus",
]
