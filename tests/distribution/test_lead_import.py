"""Leads in through the core import framework: the X Education mapping on a committed excerpt."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from distribution.models import Campaign, Lead

HERE = Path(__file__).parent
EXCERPT = HERE / "x_education_leads_excerpt.csv"
MAPPING = Path(settings.BASE_DIR) / "examples" / "distribution" / "x_education_leads.yaml"


def _import(path: Path, *extra: str) -> str:
    out = StringIO()
    call_command("import_leads", str(path), "--org", "acme", "--mapping", str(MAPPING), *extra, stdout=out)
    return out.getvalue()


def test_x_education_excerpt_imports_every_row(org):
    # when
    out = _import(EXCERPT)
    # then the 40 rows of the excerpt are 40 leads, mapped by the example mapping
    assert "40 rows; created 40" in out
    leads = Lead.objects.filter(organization=org)
    assert leads.count() == 40
    assert leads.filter(web_source="Google").count() == 17
    assert leads.filter(converted=True).count() == 19
    assert leads.filter(owner__isnull=True).count() == 40
    first = leads.get(external_id="7927b2df-8bba-4d29-b9a2-b6e0beafe620")
    assert (first.name, first.campaign.name, first.web_source, first.status) == (
        "660737",
        "API",
        "Olark Chat",
        "Interested in other courses",
    )
    assert first.tags == ["Low in Relevance"]
    assert first.segment == "Unemployed"
    assert sorted(Campaign.objects.filter(organization=org).values_list("name", flat=True)) == sorted(
        set(leads.values_list("campaign__name", flat=True))
    )


def test_importing_twice_changes_nothing(org):
    _import(EXCERPT)
    before = sorted(Lead.objects.values_list("pk", "external_id", "updated_at"))
    out = _import(EXCERPT)
    assert "already imported" in out
    assert sorted(Lead.objects.values_list("pk", "external_id", "updated_at")) == before


def test_changed_row_updates_the_lead_by_external_id(org, tmp_path):
    _import(EXCERPT)
    text = EXCERPT.read_text().replace("660737,API,Olark Chat", "660737,API,Google", 1)
    changed = tmp_path / "changed.csv"
    changed.write_text(text)
    out = _import(changed)
    assert "created 0, updated 1, unchanged 39" in out
    assert Lead.objects.get(external_id="7927b2df-8bba-4d29-b9a2-b6e0beafe620").web_source == "Google"
    assert Lead.objects.count() == 40


def test_bad_row_names_line_and_field_and_writes_nothing(org, tmp_path):
    text = EXCERPT.read_text().splitlines()
    cells = text[3].split(",")
    cells[5] = "Maybe"  # Do Not Call
    text[3] = ",".join(cells)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_leads",
            str(bad),
            "--org",
            "acme",
            "--mapping",
            str(MAPPING),
            stdout=StringIO(),
            stderr=err,
        )
    assert "line 4" in err.getvalue()
    assert "do_not_call" in err.getvalue()
    assert Lead.objects.count() == 0
    assert Campaign.objects.count() == 0


def test_bad_mapping_names_the_key(org, tmp_path):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("format: csv\ncolumnz: {}\n")
    with pytest.raises(CommandError, match="--mapping: columnz"):
        call_command(
            "import_leads", str(EXCERPT), "--org", "acme", "--mapping", str(mapping), stdout=StringIO()
        )
    assert Lead.objects.count() == 0
