from distribution.models.leads import (
    OPEN_STATUSES,
    Campaign,
    Lead,
    LeadStatus,
    SalespersonProfile,
)
from distribution.models.runs import (
    DistributionConfig,
    DistributionConfigVersion,
    DistributionRun,
    LeadAssignment,
    RunMode,
    RunStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "Campaign",
    "DistributionConfig",
    "DistributionConfigVersion",
    "DistributionRun",
    "Lead",
    "LeadAssignment",
    "LeadStatus",
    "RunMode",
    "RunStatus",
    "SalespersonProfile",
]
