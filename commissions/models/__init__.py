from commissions.models.plans import (
    BusinessObjective,
    CommissionBasis,
    CommissionPlan,
    CommissionPlanVersion,
    ObjectivePeriod,
    PlanAssignment,
    Semantics,
)
from commissions.models.sales import RepAlias, SalesTransaction, ServiceMapping, Territory

__all__ = [
    "BusinessObjective",
    "CommissionBasis",
    "CommissionPlan",
    "CommissionPlanVersion",
    "ObjectivePeriod",
    "PlanAssignment",
    "RepAlias",
    "SalesTransaction",
    "Semantics",
    "ServiceMapping",
    "Territory",
]
