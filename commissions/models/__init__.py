from commissions.models.disputes import CommissionAdjustment, DisputeKind, DisputeStatus, StatementDispute
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
from commissions.models.sales import CashReceipt, RepAlias, SalesTransaction, ServiceMapping, Territory
from commissions.models.statements import CommissionStatement, StatementLine, StatementStatus

__all__ = [
    "COMMISSION_LEDGER",
    "BusinessObjective",
    "CashReceipt",
    "CommissionAdjustment",
    "CommissionBasis",
    "CommissionEntry",
    "CommissionLedgerTotal",
    "CommissionPeriodSeal",
    "CommissionPlan",
    "CommissionPlanVersion",
    "CommissionStatement",
    "DisputeKind",
    "DisputeStatus",
    "ObjectivePeriod",
    "PlanAssignment",
    "RepAlias",
    "SalesTransaction",
    "Semantics",
    "ServiceMapping",
    "StatementDispute",
    "StatementLine",
    "StatementStatus",
    "Territory",
]
