"""Commission reference tables in the admin: scoped to the admin's organization, importable."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.models import CashReceipt, SalesTransaction, Territory
from tests.revops.factories import MembershipFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db

EXPORTED = ("dedupe_key", "document_number", "date", "amount", "source_file", "source_row")


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


def _receipt(org, key: str, document: str, amount: str) -> CashReceipt:
    return CashReceipt.objects.create(
        organization=org,
        document_number=document,
        date=dt.date(2026, 2, 10),
        amount=Decimal(amount),
        source_file="payments.csv",
        source_row=2,
        dedupe_key=key,
    )


def test_cash_receipts_are_listed_and_exported_for_the_admins_organization_only(admin, other_org, client_for):
    # given: a receipt here and one in another organization
    mine = _receipt(admin.organization, "pay-1", "INV-100", "250.00")
    theirs = _receipt(other_org, "pay-9", "INV-900", "999.00")
    client = client_for(admin)
    # when
    listing = client.get(reverse("admin:commissions_cashreceipt_changelist"))
    export = client.post(
        reverse("admin:commissions_cashreceipt_export"),
        {"format": "0", "resource": "0", **{f"cashreceiptexportresource_{f}": "on" for f in EXPORTED}},
    )
    # then: only this organization's receipt, and the link to the payments import
    assert listing.status_code == 200
    assert b"INV-100" in listing.content
    assert b"INV-900" not in listing.content
    assert reverse("revops:import-upload", args=["payments"]).encode() in listing.content
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert rows == [list(EXPORTED), ["pay-1", "INV-100", "2026-02-10", "250.00", "payments.csv", "2"]]
    other = client.get(reverse("admin:commissions_cashreceipt_change", args=[theirs.pk]))
    assert other.status_code == 302
    assert client.get(reverse("admin:commissions_cashreceipt_change", args=[mine.pk])).status_code == 200


def test_cash_receipts_cannot_be_added_changed_or_deleted_in_the_admin(admin, client_for):
    # given
    receipt = _receipt(admin.organization, "pay-1", "INV-100", "250.00")
    client = client_for(admin)
    # when
    add = client.post(reverse("admin:commissions_cashreceipt_add"), {"document_number": "X"})
    change = client.post(
        reverse("admin:commissions_cashreceipt_change", args=[receipt.pk]), {"amount": "1.00"}
    )
    delete = client.post(reverse("admin:commissions_cashreceipt_delete", args=[receipt.pk]), {"post": "yes"})
    # then: refused, and the receipt is as it was
    assert (add.status_code, change.status_code, delete.status_code) == (403, 403, 403)
    assert list(CashReceipt.objects.values_list("dedupe_key", "amount")) == [("pay-1", Decimal("250.00"))]
