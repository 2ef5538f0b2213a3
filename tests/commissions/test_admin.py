"""Commission reference tables in the admin: scoped to the admin's organization, importable."""

import io

import pytest
from django.urls import reverse

from commissions.models import SalesTransaction, Territory
from tests.revops.factories import MembershipFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_territories_import_inside_the_admins_organization_only(admin, rep, other_org, client_for):
    # given: a rep of another organization with an e-mail the file names, and its territory
    stranger = MembershipFactory(
        organization=other_org, user=UserFactory(email="far@globex.test"), role="rep"
    )
    line = ProductLineFactory(organization=admin.organization, code="alpha", name="Alpha")
    theirs = Territory.objects.create(organization=other_org, code="90210", rep=stranger.user)
    upload = io.BytesIO(
        f"code,product_line_code,rep_email\n10115,alpha,{rep.user.email}\n20095,,far@globex.test\n".encode()
    )
    upload.name = "territories.csv"
    client = client_for(admin)
    # when
    preview = client.post(
        reverse("admin:commissions_territory_import"), {"import_file": upload, "format": "0"}
    )
    # then: the stranger is no member here, so the whole file is refused
    assert preview.status_code == 200
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert Territory.objects.filter(organization=admin.organization).count() == 0
    # and a clean file lands in the admin's organization with this organization's rep and line
    upload = io.BytesIO(f"code,product_line_code,rep_email\n10115,alpha,{rep.user.email}\n".encode())
    upload.name = "territories.csv"
    preview = client.post(
        reverse("admin:commissions_territory_import"), {"import_file": upload, "format": "0"}
    )
    done = client.post(
        reverse("admin:commissions_territory_process_import"), preview.context["confirm_form"].initial
    )
    assert done.status_code == 302
    mine = Territory.objects.get(organization=admin.organization)
    assert (mine.code, mine.product_line_id, mine.rep_id) == ("10115", line.pk, rep.user_id)
    # the other organization's rows stay out of the list and out of reach
    listing = client.get(reverse("admin:commissions_territory_changelist"))
    assert b"90210" not in listing.content
    assert client.get(reverse("admin:commissions_territory_change", args=[theirs.pk])).status_code in (
        302,
        404,
    )


def test_sales_transactions_are_read_only_in_the_admin(admin, client_for):
    # when
    client = client_for(admin)
    listing = client.get(reverse("admin:commissions_salestransaction_changelist"))
    add = client.get(reverse("admin:commissions_salestransaction_add"))
    # then
    assert listing.status_code == 200
    assert add.status_code == 403
    assert SalesTransaction.objects.count() == 0
