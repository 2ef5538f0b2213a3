from commissions.models.ledger import (
    COMMISSION_LEDGER,
    CommissionEntry,
    CommissionLedgerTotal,
    CommissionPeriodSeal,
)
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
from commissions.models.statements import CommissionStatement, StatementLine, StatementStatus

__all__ += [
    "COMMISSION_LEDGER",
    "CommissionEntry",
    "CommissionLedgerTotal",
    "CommissionPeriodSeal",
    "CommissionStatement",
    "StatementLine",
    "StatementStatus",
]
