"""Matrix rows for commissions: pages under /commissions/, API under /api/v1/commissions/.

Columns: anonymous, admin, manager, finance, rep, partner, outsider, other_rep, other_manager,
other_partner (see expect.ACTORS). Every internal role views commissions, scoped by rep: a rep
their own, a team manager their reports', admin and finance the organization's; the outsider
(admin of Globex) sees Globex's. Statements: `commissionstatement` is the rep's January
statement (approved), `other_statement` the other rep's (a draft). Approving is for managers
of the rep and admins (approving an approved one is a no-op), paying for finance only, and
computing for finance and admins. Read pages take GET only (POST is 405, which the
unclassified-methods test checks). API reads are read-only viewsets (writes are 405).
"""

from __future__ import annotations

from tests.access_matrix.expect import LOGIN, Entry

VIEW = (LOGIN, 200, 200, 200, 200, 404, 200, 200, 200, 404)
VIEW_RECORD = (LOGIN, 200, 200, 200, 200, 404, 404, 404, 404, 404)  # the rep's own rows
OTHER_RECORD = (LOGIN, 200, 404, 200, 404, 404, 404, 200, 200, 404)  # the other team's rows
PDF = (LOGIN, 303, 303, 303, 303, 404, 303, 303, 303, 404)  # every PDF is written by a job
PDF_RECORD = (LOGIN, 303, 303, 303, 303, 404, 404, 404, 404, 404)
API_VIEW = (401, 200, 200, 200, 200, 404, 200, 200, 200, 404)
API_RECORD = (401, 200, 200, 200, 200, 404, 404, 404, 404, 404)
API_OTHER = (401, 200, 404, 200, 404, 404, 404, 200, 200, 404)
LINE = {"line_pk": "@statement_line"}
PLAN_EDIT = (LOGIN, 200, 403, 200, 403, 404, 200, 403, 403, 404)
EDIT_OBJECTIVES = (LOGIN, 302, 403, 302, 403, 404, 404, 403, 403, 404)

PAGES: dict[str, Entry] = {
    "commissions:dashboard": Entry(VIEW),
    "commissions:statements": Entry(VIEW),
    # No month: refused with a message and a redirect to the list (nothing is queued).
    "commissions:statement-compute": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 302, 403, 403, 404), method="POST"
    ),
    "commissions:statement": Entry(VIEW_RECORD, obj="commissionstatement"),
    "commissions:statement-line": Entry(VIEW_RECORD, obj="commissionstatement", kwargs=LINE),
    # Already approved: a no-op that redirects back to the statement.
    "commissions:statement-approve": Entry(
        (LOGIN, 302, 302, 403, 403, 404, 404, 403, 404, 404), obj="commissionstatement", method="POST"
    ),
    # Approved: finance pays it (undone after the request, as every matrix write).
    "commissions:statement-pay": Entry(
        (LOGIN, 403, 403, 302, 403, 404, 403, 403, 403, 404), obj="commissionstatement", method="POST"
    ),
    "commissions:sales": Entry(VIEW),
    "commissions:uploads": Entry(VIEW),
    "commissions:disputes": Entry(VIEW),
    "commissions:objectives": Entry(VIEW),
    "commissions:analysis": Entry(VIEW),
    # Finance and admins try plan terms (nothing saved); the outsider on Globex's plans.
    "commissions:simulator": Entry(PLAN_EDIT),
    # Finance and admins invite reps; an incomplete form is answered 400 with its errors.
    "commissions:rep-invite": Entry(PLAN_EDIT),
    # An incomplete draft goes back to the form; nothing is queued.
    "commissions:simulator-run": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 302, 403, 403, 404), method="POST", data={"month": "2026-01"}
    ),
    # Finance and admins edit a cell of a rep in their scope (February 2026 is open); another
    # organization's admin does not find the rep (404). Without HTMX: back to the grid.
    "commissions:objective-cell": Entry(
        EDIT_OBJECTIVES,
        method="POST",
        data={"rep": "@user", "product_line": "@matrix_line", "month": "2026-02", "amount": "12000"},
    ),
    "commissions:objective-fill": Entry(
        EDIT_OBJECTIVES,
        method="POST",
        data={"year": "2026", "rep": "@user", "product_line": "@matrix_line", "amount": "9000"},
    ),
    # Only the statement's rep flags its lines; others who see it get 403, the rest 404.
    "commissions:statement-line-dispute": Entry(
        (LOGIN, 403, 403, 403, 302, 404, 404, 404, 404, 404),
        obj="commissionstatement",
        kwargs=LINE,
        method="POST",
        data={"kind": "other", "comment": "A sale is missing"},
    ),
    # Finance and admins settle (here: a rejection with a reason); another organization's
    # admin may settle but does not find this dispute.
    "commissions:dispute-settle": Entry(
        (LOGIN, 302, 403, 302, 403, 404, 404, 403, 403, 404),
        obj="statementdispute",
        method="POST",
        data={"action": "reject", "note": "As computed"},
    ),
}

API: dict[str, Entry] = {
    "commissions-api:transaction-list": Entry(API_VIEW),
    "commissions-api:transaction-detail": Entry(API_RECORD, obj="salestransaction"),
    "commissions-api:objective-list": Entry(API_VIEW),
    "commissions-api:objective-detail": Entry(API_RECORD, obj="businessobjective"),
    "commissions-api:plan-list": Entry(API_VIEW),
    # Plans are the organization's terms, not a rep's rows.
    "commissions-api:plan-detail": Entry(
        (401, 200, 200, 200, 200, 404, 404, 200, 200, 404), obj="commissionplan"
    ),
    "commissions-api:statement-list": Entry(API_VIEW),
    "commissions-api:statement-detail": Entry(API_RECORD, obj="commissionstatement"),
    # Capabilities are asked before the row: 403 without them, 404 outside scope.
    "commissions-api:statement-approve": Entry(
        (401, 200, 200, 403, 403, 404, 404, 403, 404, 404), obj="commissionstatement", method="POST"
    ),
    "commissions-api:statement-pay": Entry(
        (401, 403, 403, 200, 403, 404, 403, 403, 403, 404), obj="commissionstatement", method="POST"
    ),
}

# Exports, partials, the rep picker, the other team's statement (a draft: approved for real by
# its manager or an admin, refused for payment), and a line asked through another statement.
MORE: dict[str, tuple[Entry, ...]] = {
    "commissions:dashboard": (
        Entry(VIEW, hx=True),
        Entry(VIEW_RECORD, data={"rep": "@user"}),
        Entry(OTHER_RECORD, data={"rep": "@other_rep_user"}),
    ),
    "commissions:statements": (
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(PDF, query="export=pdf"),
        Entry(VIEW, hx=True),
    ),
    "commissions:statement": (
        Entry(OTHER_RECORD, obj="other_statement"),
        Entry(VIEW_RECORD, obj="commissionstatement", query="export=csv"),
        Entry(VIEW_RECORD, obj="commissionstatement", query="export=xlsx"),
        Entry(PDF_RECORD, obj="commissionstatement", query="export=pdf"),
        Entry(VIEW_RECORD, obj="commissionstatement", hx=True),
    ),
    "commissions:statement-line": (
        Entry(VIEW_RECORD, obj="commissionstatement", kwargs=LINE, hx=True),
        Entry(OTHER_RECORD, obj="other_statement", kwargs={"line_pk": "@other_statement_line"}),
        # A line is found only on its own statement.
        Entry(
            (LOGIN, 404, 404, 404, 404, 404, 404, 404, 404, 404),
            obj="commissionstatement",
            kwargs={"line_pk": "@other_statement_line"},
        ),
    ),
    "commissions:statement-approve": (
        Entry((LOGIN, 302, 404, 403, 403, 404, 404, 403, 302, 404), obj="other_statement", method="POST"),
    ),
    # A draft is not paid: a message, and nothing changes.
    "commissions:statement-pay": (
        Entry((LOGIN, 403, 403, 302, 403, 404, 403, 403, 403, 404), obj="other_statement", method="POST"),
    ),
    "commissions:sales": (
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(VIEW, hx=True),
    ),
    "commissions:disputes": (Entry(VIEW, query="status=open"),),
    "commissions:objectives": (
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(VIEW, hx=True),
    ),
    "commissions:analysis": (
        Entry(VIEW, query="rows=team&columns=month&measure=commission"),
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(VIEW, hx=True),
    ),
    "commissions:rep-invite": (
        Entry((LOGIN, 400, 403, 400, 403, 404, 400, 403, 403, 404), method="POST", data={"email": "x"}),
    ),
    "commissions:simulator": (
        Entry(
            PLAN_EDIT,
            data={
                "plan": "@commissionplan",
                "month": "2026-01",
                "tier1_rate": "5",
                "tier2_rate": "9",
                "semantics": "marginal",
                "objective_period": "month",
                "objectives_percent": "100",
            },
        ),
        Entry(PLAN_EDIT, hx=True),
    ),
    # With HTMX the answer is the cell again.
    "commissions:objective-cell": (
        Entry(
            (LOGIN, 200, 403, 200, 403, 404, 404, 403, 403, 404),
            method="POST",
            data={"rep": "@user", "product_line": "@matrix_line", "month": "2026-02", "amount": "12000"},
            hx=True,
        ),
    ),
    "commissions:uploads": (
        Entry(VIEW, query="export=csv"),
        Entry(VIEW, query="export=xlsx"),
        Entry(VIEW, hx=True),
    ),
    "commissions-api:statement-approve": (
        Entry((401, 200, 404, 403, 403, 404, 404, 403, 200, 404), obj="other_statement", method="POST"),
    ),
    "commissions-api:statement-pay": (
        Entry((401, 403, 403, 400, 403, 404, 403, 403, 403, 404), obj="other_statement", method="POST"),
    ),
    "commissions-api:statement-detail": (Entry(API_OTHER, obj="other_statement"),),
    "commissions-api:transaction-detail": (Entry(API_OTHER, obj="other_salestransaction"),),
}
