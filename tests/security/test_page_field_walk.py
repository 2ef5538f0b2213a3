"""Field walk of the detail pages: for each role, the values of fields outside its scope never
appear on any page it can open (the page-side twin of test_field_scope.py for the API).

One deal ("Kestrel", the rep's) carries sentinel values in fields some roles may not read:

- `OTHER_SPLIT`: the other partner's split on the deal (a partner sees only their own split);
- `NOTE`: an internal note on the partner's dispute (never a partner);
- `OWNER`: the name of the rep who owns the deal, which a registration's conflict check shows
  internal approvers but never the partner who registered the company (partners credited on
  the deal see the deal itself, not who sells it);
- `REP_COMMISSION` / `OTHER_REP_COMMISSION`: each rep's commission statement total (a rep
  sees their own; partners never see commissions).

Every role opens every internal detail page (deal, deal attribution, account, partner,
registration, dispute, both statements) and the portal pages; whatever the answer (a page, a
404, a redirect to sign-in), its body must not hold a sentinel the role may not read. The admin
walk proves the sentinels are on the pages at all.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from commissions.models import CommissionStatement
from partners.services.disputes import dispute_comment, dispute_open
from partners.services.registrations import registration_submit
from revops.models import Role
from tests.attribution.factories import OpportunityPartnerFactory
from tests.partners.factories import registration_input
from tests.revops.factories import AccountFactory, MembershipFactory, OpportunityFactory, ProductLineFactory

pytestmark = pytest.mark.django_db

OTHER_SPLIT = "37.37"
NOTE = "Sandpiper internal margin note"
OWNER = "Quillon Vantablack"
REP_COMMISSION = ("61234.56", "61,234.56")
OTHER_REP_COMMISSION = ("73519.27", "73,519.27")
INTERNAL = {"admin", "manager", "finance_admin", "org_wide_manager"}

# sentinel → who may read it
READERS = {
    OTHER_SPLIT: INTERNAL | {"rep", "other_partner_user"},
    NOTE: INTERNAL | {"rep"},
    OWNER: INTERNAL | {"rep", "other_rep", "other_team_manager"},
    REP_COMMISSION: {"admin", "finance_admin", "manager", "org_wide_manager", "rep"},
    OTHER_REP_COMMISSION: {"admin", "finance_admin", "other_team_manager", "org_wide_manager", "other_rep"},
}
ROLES = [
    "admin",
    "manager",
    "org_wide_manager",
    "finance_admin",
    "rep",
    "other_rep",
    "other_team_manager",
    "partner_user",
    "other_partner_user",
    "other_org_admin",
]


def _statement(org, user, total: str) -> CommissionStatement:
    return CommissionStatement.objects.create(
        organization=org,
        rep=user,
        month=dt.date(2026, 1, 1),
        currency="USD",
        total=Decimal(total),
        computed_at=timezone.now(),
    )


@pytest.fixture
def world(org, rep, other_rep, manager, partner_user, other_partner_user):
    rep.user.first_name, rep.user.last_name = OWNER.split()
    rep.user.save(update_fields=["first_name", "last_name"])
    line = ProductLineFactory(organization=org, name="Analytics", code="analytics")
    account = AccountFactory(organization=org, owner=rep.user, name="Kestrel Ltd", domain="kestrel.example")
    deal = OpportunityFactory(
        organization=org, account=account, owner=rep.user, name="Kestrel expansion", product_line=line
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=partner_user.partner, split_percent=Decimal("10")
    )
    OpportunityPartnerFactory(
        organization=org,
        opportunity=deal,
        partner=other_partner_user.partner,
        role="influence",
        split_percent=Decimal(OTHER_SPLIT),
    )
    dispute = dispute_open(
        membership=partner_user,
        opportunity_id=deal.pk,
        claim="Our split is short",
        proposed_split_percent=Decimal("15"),
    )
    dispute_comment(membership=manager, dispute_id=dispute.pk, body=NOTE, internal=True)
    registration = registration_submit(
        membership=partner_user,
        data=registration_input(line, account_name="Kestrel Ltd", domain="kestrel.example"),
    )
    mine = _statement(org, rep.user, REP_COMMISSION[0])
    theirs = _statement(org, other_rep.user, OTHER_REP_COMMISSION[0])
    return {
        "internal": [
            f"/opportunities/{deal.pk}/",
            f"/attribution/deals/{deal.pk}/",
            f"/accounts/{account.pk}/",
            f"/partners/{partner_user.partner_id}/",
            f"/partners/{other_partner_user.partner_id}/",
            f"/partners/registrations/{registration.pk}/",
            f"/partners/disputes/{dispute.pk}/",
            f"/commissions/statements/{mine.pk}/",
            f"/commissions/statements/{theirs.pk}/",
        ],
        "portal": [
            "/portal/",
            "/portal/deals/",
            "/portal/statement/",
            f"/portal/disputes/{dispute.pk}/",
            f"/portal/registrations/{registration.pk}/",
        ],
    }


def _member(request, role: str):
    if role == "org_wide_manager":
        org = request.getfixturevalue("org")
        return MembershipFactory(organization=org, role=Role.MANAGER, org_wide=True)
    return request.getfixturevalue(role)


def _holds(body: str, sentinel) -> bool:
    return any(form in body for form in (sentinel if isinstance(sentinel, tuple) else (sentinel,)))


@pytest.mark.parametrize("role", ROLES)
def test_no_page_shows_a_role_a_field_outside_its_scope(request, client_for, world, role):
    # given
    client = client_for(_member(request, role))
    forbidden = [s for s, readers in READERS.items() if role not in readers]
    # when every detail page and portal page is opened
    leaks = []
    for path in world["internal"] + world["portal"]:
        response = client.get(path)
        body = response.content.decode()
        leaks += [(path, response.status_code, s) for s in forbidden if _holds(body, s)]
    # then
    assert leaks == []


def test_the_sentinels_are_on_the_pages_for_those_who_may_read_them(client_for, admin, partner_user, world):
    # given
    bodies = {path: client_for(admin).get(path) for path in world["internal"]}
    assert {path: r.status_code for path, r in bodies.items()} == dict.fromkeys(world["internal"], 200)
    text = "\n".join(r.content.decode() for r in bodies.values())
    # then each sentinel is shown to the admin somewhere
    assert [s for s in READERS if not _holds(text, s)] == []
    # and the partner's own pages work (the walk is not all 404s)
    portal = {path: client_for(partner_user).get(path).status_code for path in world["portal"]}
    assert portal == dict.fromkeys(world["portal"], 200)
