"""The CRM mapping import, on committed excerpts of the two sample exports (examples/forecasting)."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from forecasting.models import ModelVersion, OpportunityAttributes
from forecasting.services.crm_import import CrmMapping, crm_opportunities_import
from forecasting.services.modelling import win_model_train
from revops.models import Account, AuditEvent, Membership, Opportunity, OpportunityStageChange, User

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(settings.BASE_DIR) / "examples" / "forecasting"
MAVEN = DATA / "maven_sales_pipeline_excerpt.csv"
SALVIRT = DATA / "salvirt_excerpt.csv"


def _mapping(name: str) -> CrmMapping:
    return CrmMapping.from_yaml((EXAMPLES / name).read_text())


def test_maven_excerpt_imports_deals_owners_and_stage_history(org):
    # when
    counts = crm_opportunities_import(
        organization=org, content=MAVEN.read_bytes(), mapping=_mapping("maven_crm.yaml")
    )
    # then: 212 won, 47 lost, 41 engaging; 30 agents became reps who cannot sign in
    assert counts == {"rows": 300, "created": 300, "existing": 0, "owners": 30}
    opps = Opportunity.objects.filter(organization=org)
    assert [opps.filter(stage=s).count() for s in ("closed_won", "closed_lost", "qualification")] == [
        212,
        47,
        41,
    ]
    assert OpportunityStageChange.objects.filter(organization=org).count() == 212 + 47 + 300
    first = opps.get(external_id="1C1I7A6R")
    assert (first.amount, str(first.created_date), str(first.close_date)) == (
        Decimal("1096.00"),
        "2016-10-20",
        "2017-03-01",
    )
    assert first.owner.email == "moses-frase.acme@crm-import.invalid"
    assert not first.owner.has_usable_password()
    assert Membership.objects.get(organization=org, user=first.owner).role == "rep"
    # GTXPro in the pipeline is "GTX Pro" of products.csv: the lookup maps both to its price
    assert set(opps.filter(product_line__name="GTXPro").values_list("amount", flat=True)) == {
        Decimal("4821.00")
    }
    history = list(first.stage_changes.values_list("from_stage", "to_stage", "changed_at__date"))
    assert [(a, b, str(c)) for a, b, c in history] == [
        ("", "qualification", "2016-10-20"),
        ("qualification", "closed_won", "2017-03-01"),
    ]


def test_importing_the_same_file_again_changes_nothing(org):
    mapping = _mapping("maven_crm.yaml")
    crm_opportunities_import(organization=org, content=MAVEN.read_bytes(), mapping=mapping)
    changes = OpportunityStageChange.objects.count()
    # when
    counts = crm_opportunities_import(organization=org, content=MAVEN.read_bytes(), mapping=mapping)
    # then
    assert counts == {"rows": 300, "created": 0, "existing": 300, "owners": 0}
    assert Opportunity.objects.count() == 300
    assert OpportunityStageChange.objects.count() == changes


def test_salvirt_excerpt_keeps_its_attributes_and_trains_the_small_data_model(org):
    counts = crm_opportunities_import(
        organization=org, content=SALVIRT.read_bytes(), mapping=_mapping("salvirt_b2b.yaml")
    )
    assert counts == {"rows": 120, "created": 120, "existing": 0, "owners": 14}
    first = Opportunity.objects.get(organization=org, external_id="1")
    values = OpportunityAttributes.objects.get(opportunity=first).values
    assert len(values) == 20
    assert (values["Seller"], values["Authority"], values["Up_sale"]) == ("Seller 6", "Mid", "Yes")
    # when: 120 closed deals are below the small-data threshold
    outcome = win_model_train(organization=org)
    # then
    assert outcome.version.kind == "stage_segment_beta"
    assert outcome.version.label == "Stage × segment win rate (small data: 120 closed deals)"


def test_a_file_with_bad_rows_is_refused_with_line_and_field_and_nothing_is_written(org):
    content = (
        b"opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value\n"
        b"A1,Ann Lee,GTX Basic,Acme,Won,2017-01-02,2017-02-01,10\n"
        b"A2,Ann Lee,GTX Basic,Acme,Maybe,2017-01-02,,\n"
        b"A3,Ann Lee,GTX Basic,Acme,Lost,02/01/2017,2017-02-01,0\n"
        b"A4,Ann Lee,Toaster,Acme,Won,2017-01-02,2017-02-01,5\n"
        b"A5,Ann Lee,GTX Basic,Acme,Won,2017-03-02,2017-02-01,5\n"
        b"A1,Ann Lee,GTX Basic,Acme,Won,2017-01-02,2017-02-01,10\n"
    )
    users = User.objects.count()
    # when
    with pytest.raises(ValidationError) as refused:
        crm_opportunities_import(organization=org, content=content, mapping=_mapping("maven_crm.yaml"))
    # then
    assert refused.value.messages == [
        "Line 3, stage: 'Maybe' is not in the mapping's stages",
        "Line 4, created_date: '02/01/2017' is not a date in the format %Y-%m-%d",
        "Line 5, amount: 'Toaster' is not in the mapping's amount_lookup",
        "Line 6, close_date: 2017-02-01 is before the created date 2017-03-02",
        "Line 7, external_id: 'A1' appears twice in the file",
    ]
    assert Opportunity.objects.count() == 0
    assert Account.objects.count() == 0
    assert User.objects.count() == users
    assert AuditEvent.objects.filter(action="forecasting.crm_import").count() == 0


def test_a_mapping_with_an_unknown_field_or_stage_is_refused():
    with pytest.raises(ValidationError) as refused:
        CrmMapping.from_yaml("columns:\n  deal_size: Amount\nstages:\n  Won: victory\n")
    assert any(m.startswith("Mapping: columns.deal_size.[key]") for m in refused.value.messages)
    assert any(m.startswith("Mapping: stages.Won") for m in refused.value.messages)


def test_a_missing_column_is_named(org):
    content = b"id,stage\n1,Won\n"
    with pytest.raises(ValidationError) as refused:
        crm_opportunities_import(organization=org, content=content, mapping=_mapping("maven_crm.yaml"))
    assert refused.value.messages[0].startswith("Missing column(s): account, close_date, deal_stage")
    assert Opportunity.objects.count() == 0


def test_command_imports_and_reports_problems(org):
    out = StringIO()
    call_command(
        "import_crm_opportunities",
        str(SALVIRT),
        "--org",
        "acme",
        "--mapping",
        str(EXAMPLES / "salvirt_b2b.yaml"),
        stdout=out,
    )
    assert out.getvalue() == "120 rows: created 120 opportunities, 0 already there; 14 owners.\n"
    with pytest.raises(CommandError, match="problem"):
        call_command(
            "import_crm_opportunities",
            str(MAVEN),
            "--org",
            "acme",
            "--mapping",
            str(EXAMPLES / "salvirt_b2b.yaml"),
            stderr=StringIO(),
        )
    assert ModelVersion.objects.count() == 0
