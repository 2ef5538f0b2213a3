"""Demo commissions: the commission book, 15 months of sales from six source files in six
layouts, and statements approved, posted and paid month by month.

Steps (found by revops.demo's autodiscovery), in run order per organization:

- `commission_book` (OPEN_BOOKS, after the core "periods" and the deals): plans with tier
  rates (marginal and retroactive; month, quarter and year-to-date windows; one plan revised
  for the current fiscal year), every rep assigned to the product lines they sell, monthly
  objectives for the previous and the current fiscal year, rep aliases, territories and
  service names (`commissions.demo_data.book`);
- `commission_sales` (OPEN_BOOKS): the deals won in the last 15 months, with a few credits
  and last month's services billing, written as six files in six layouts and imported
  through the real import path, each with its own import profile
  (`commissions.demo_data.sources`, `commissions.demo_data.steps`); the cash received for
  the invoices of the services plan, which pays on cash (pro rata to what each invoice has
  been paid), imported through the payments import; then every month's statements computed
  as drafts;
- the core "close_periods" step closes the older months oldest first; just before each
  close the month-end task `commission_month_end` approves the month's statements as each
  rep's manager (their lines post to the commission ledger in that month) and pays them as
  finance;
- `commission_statements` (CLOSED_BOOKS): the past months still open are approved (paid once
  two months old); the current month's statements stay drafts.
"""

from commissions.demo_data.book import seed_commission_book
from commissions.demo_data.steps import (
    commission_month_end,
    seed_commission_sales,
    seed_commission_statements,
)
from revops.demo import Phase, register_month_end, register_step

register_step(
    "commission_book",
    seed_commission_book,
    phase=Phase.OPEN_BOOKS,
    requires=("periods", "opportunities", "catalog"),
)
register_step(
    "commission_sales", seed_commission_sales, phase=Phase.OPEN_BOOKS, requires=("commission_book",)
)
register_month_end("commission_statements", commission_month_end)
register_step(
    "commission_statements",
    seed_commission_statements,
    phase=Phase.CLOSED_BOOKS,
    requires=("commission_sales",),
)
