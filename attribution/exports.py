"""Partner attribution's exports (see revops.export_registry): the ledger explorer's lines."""

from __future__ import annotations

from django.http import QueryDict

from attribution.permissions import AttributionCap
from attribution.selectors.ledger import (
    LEDGER_EXPORT_HEADERS,
    chain_head,
    ledger_export_rows,
    ledger_list,
    ledger_totals,
)
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.formatting import format_money
from revops.labels import label_for
from revops.models import Account, FiscalPeriod, Membership, Opportunity, Partner
from revops.selectors.periods import organization_today

# Filter parameters that name a row, shown by name in the report header ("partner = Cobalt
# Consulting", not "partner=17"); looked up within the member's organization only.
_NAMED = {
    "partner": (Partner, "name"),
    "account": (Account, "name"),
    "opportunity": (Opportunity, "name"),
    "period": (FiscalPeriod, "name"),
    "revenue_period": (FiscalPeriod, "name"),
}
_LABELLED = {"kind": "ledger_kind", "role": "partner_role", "scope": "ledger_scope"}


def filters_in_words(*, membership: Membership, data) -> str:
    parts = []
    for name, value in data.items():
        if not value or name in ("sort", "export", "page"):
            continue
        if name in _NAMED:
            if not str(value).isdigit():
                continue  # not an id: the filter ignores it, so the report does not name it
            model, field = _NAMED[name]
            row = model.objects.filter(organization_id=membership.organization_id, pk=int(value)).first()
            text = str(getattr(row, field, None) or row) if row is not None else f"#{value}"
        elif name in _LABELLED:
            text = label_for(_LABELLED[name], value)
        else:
            text = str(value)
        parts.append(f"{name.replace('_', ' ')} = {text}")
    return ", ".join(parts)


def ledger_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset, qs = ledger_list(membership=membership, filters=params)
    totals = ledger_totals(qs)
    head = chain_head(membership=membership)
    words = filters_in_words(membership=membership, data=filterset.form.data) if filterset.is_bound else ""
    currency = membership.organization.currency
    summary = [("Filters", words or "none (every line you may see)")]
    summary.append(
        ("Total", f"{format_money(totals.amount, currency, exact=True)} in {totals.count:,} lines")
    )
    summary.append(
        (
            "Chain head",
            f"entry #{head.sequence}, hash {head.hash}" if head is not None else "the ledger is empty",
        )
    )
    return ExportData(
        filename=f"attribution-ledger-{organization_today(membership.organization):%Y-%m-%d}",
        title="Attribution ledger audit trail",
        tables=[ExportTable("Ledger", LEDGER_EXPORT_HEADERS, ledger_export_rows(qs), totals.count)],
        summary=summary,
    )


def register_exports() -> None:
    export_register(
        ExportSpec(
            key="attribution-ledger",
            page="attribution:ledger",
            label="Attribution ledger",
            cap=AttributionCap.VIEW,
            build=ledger_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
