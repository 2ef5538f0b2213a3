"""A Salesforce org in the fake (accounts, a partner object, opportunities with history, leads,
campaigns and campaign members) and a
revops connection to it, for the sync tests and the benchmark."""

from __future__ import annotations

from revops.models.salesforce import SalesforceConnection
from revops.services.salesforce_mapping import mapping_install_defaults
from tests.fakes.salesforce import FakeSalesforce

SESSION_ENV = "SF_SYNC_TEST_SESSION"

ACCOUNT_FIELDS = {
    "Name": "string",
    "Website": "url",
    "Industry": "picklist",
    "OwnerId": "reference",
    "Region__c": "picklist",
    "RecordTypeId": "reference",
}
OPPORTUNITY_FIELDS = {
    "Name": "string",
    "AccountId": "reference",
    "OwnerId": "reference",
    "StageName": "picklist",
    "Amount": "currency",
    "CloseDate": "date",
    "LeadSource": "picklist",
    "Region__c": "picklist",
    "RecordTypeId": "reference",
}
HISTORY_FIELDS = {"OpportunityId": "reference", "StageName": "picklist", "Amount": "currency"}
PARTNER_FIELDS = {"Name": "string", "Tier__c": "picklist"}
LEAD_FIELDS = {
    "FirstName": "string",
    "LastName": "string",
    "Name": "string",
    "Email": "email",
    "Phone": "phone",
    "Company": "string",
    "Status": "picklist",
    "LeadSource": "picklist",
    "OwnerId": "reference",
}
CAMPAIGN_FIELDS = {"Name": "string", "IsActive": "boolean", "Description": "textarea", "Type": "picklist"}
CAMPAIGN_MEMBER_FIELDS = {
    "CampaignId": "reference",
    "LeadId": "reference",
    "ContactId": "reference",
    "Status": "picklist",
    # Formula fields an org adds for the member's account and deal (Contact.AccountId, ...).
    "Account__c": "reference",
    "Opportunity__c": "reference",
}
OPPORTUNITY_PARTNER_FIELDS = {
    "OpportunityId": "reference",
    "AccountToId": "reference",
    "Role": "picklist",
    "IsPrimary": "boolean",
}


def define_objects(fake: FakeSalesforce) -> None:
    fake.store.define("Account", ACCOUNT_FIELDS)
    fake.store.define("Opportunity", OPPORTUNITY_FIELDS)
    fake.store.define("OpportunityHistory", HISTORY_FIELDS)
    fake.store.define("Partner__c", PARTNER_FIELDS)
    fake.store.define("Lead", LEAD_FIELDS)
    fake.store.define("Campaign", CAMPAIGN_FIELDS)
    fake.store.define("CampaignMember", CAMPAIGN_MEMBER_FIELDS)
    fake.store.define("OpportunityPartner", OPPORTUNITY_PARTNER_FIELDS)


def add_partner(fake: FakeSalesforce, name: str, **values) -> str:
    return fake.store.insert("Partner__c", {"Name": name, **values})


def add_opportunity_partner(
    fake: FakeSalesforce, opportunity_id: str, partner_id: str, role: str, *, primary: bool = False
) -> str:
    return fake.store.insert(
        "OpportunityPartner",
        {"OpportunityId": opportunity_id, "AccountToId": partner_id, "Role": role, "IsPrimary": primary},
    )


def add_account(fake: FakeSalesforce, name: str, **values) -> str:
    return fake.store.insert("Account", {"Name": name, "Website": f"{name.lower()}.example", **values})


def add_opportunity(
    fake: FakeSalesforce,
    name: str,
    account_id: str,
    *,
    stage: str = "Prospecting",
    amount: float | str | None = 1000,
    close: str = "2026-06-30",
    history: bool = True,
    **values,
) -> str:
    rid = fake.store.insert(
        "Opportunity",
        {
            "Name": name,
            "AccountId": account_id,
            "StageName": stage,
            "Amount": amount,
            "CloseDate": close,
            "CreatedDate": "2026-01-05T10:00:00.000+0000",
            **values,
        },
    )
    if history:
        fake.store.insert("OpportunityHistory", {"OpportunityId": rid, "StageName": stage, "Amount": amount})
    return rid


def connection_for(fake: FakeSalesforce, organization, **extra) -> SalesforceConnection:
    connection = SalesforceConnection.objects.create(
        organization=organization,
        instance_url=fake.url,
        session_env=SESSION_ENV,
        ca_file=fake.ca_file,
        **extra,
    )
    mapping_install_defaults(connection=connection)
    return connection
