"""The approval policy admin: an organization admin (no Django model permissions, no staff
flag) edits a policy's steps on its page, and only their own organization's choices appear."""

import pytest
from django.urls import reverse

from partners.models import ApprovalPolicy, ApprovalStep
from tests.revops.factories import OrganizationFactory, ProductLineFactory

pytestmark = pytest.mark.django_db


def _steps(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for i, row in enumerate(rows):
        data |= {f"{prefix}-{i}-{k}": v for k, v in row.items()}
    return data


def test_an_organization_admin_adds_a_policy_with_its_steps(org, admin, client_for):
    # given
    assert admin.user.is_staff is False and admin.user.is_superuser is False
    line = ProductLineFactory(organization=org, name="Analytics", code="analytics")
    other_line = ProductLineFactory(organization=OrganizationFactory(), name="Elsewhere", code="elsewhere")
    client = client_for(admin)
    add = client.get(reverse("admin:partners_approvalpolicy_add"))
    assert add.status_code == 200
    formset = add.context["inline_admin_formsets"][0].formset
    choices = {str(c[0]) for c in formset.forms[0].fields["product_line"].choices if c[0]}
    assert choices == {str(line.pk)} and str(other_line.pk) not in choices
    # when
    response = client.post(
        reverse("admin:partners_approvalpolicy_add"),
        {
            "name": "Large deals",
            "kind": "registration",
            "priority": "10",
            "is_active": "on",
            **_steps(
                "steps",
                [
                    {"order": "1", "name": "Channel manager", "approver_role": "manager", "sla_hours": "24"},
                    {
                        "order": "2",
                        "name": "Admin",
                        "approver_role": "admin",
                        "sla_hours": "48",
                        "product_line": str(line.pk),
                    },
                ],
            ),
        },
    )
    # then
    assert response.status_code == 302, response.context and response.context.get("errors")
    policy = ApprovalPolicy.objects.get(name="Large deals")
    assert policy.organization_id == org.pk
    assert list(
        ApprovalStep.objects.filter(policy=policy)
        .order_by("order")
        .values_list("name", "organization_id", "product_line_id")
    ) == [("Channel manager", org.pk, None), ("Admin", org.pk, line.pk)]
