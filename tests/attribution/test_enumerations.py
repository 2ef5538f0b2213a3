"""One enumeration per concept: the pure rule schema, engine and sentence grammar (no Django)
carry their own copies of roles, tiers, segments, regions and stages; these must equal the
models' TextChoices, which every form, filter and serializer uses."""

import typing

from attribution.engine import Role
from attribution.models import PartnerRole
from attribution.models.settings import ROLES, DefaultSplits
from attribution.nl.grammar import TIER_WORDS
from attribution.nl.parser import DEFAULT_STAGES
from attribution.rule_schema import Region as SchemaRegion
from attribution.rule_schema import Segment as SchemaSegment
from attribution.rule_schema import Tier as SchemaTier
from revops.models import Partner
from revops.models.crm import Region, Segment, Stage


def test_roles_are_the_partner_types():
    assert [r.value for r in Role] == PartnerRole.values
    assert list(ROLES) == PartnerRole.values
    assert list(DefaultSplits.model_fields) == PartnerRole.values


def test_rule_schema_tiers_segments_and_regions_are_the_models_choices():
    assert list(typing.get_args(SchemaTier)) == Partner.Tier.values
    assert list(typing.get_args(SchemaSegment)) == Segment.values
    assert list(typing.get_args(SchemaRegion)) == Region.values
    assert sorted(TIER_WORDS.values()) == sorted(Partner.Tier.values)


def test_sentence_grammar_stages_are_the_stage_choices():
    assert list(DEFAULT_STAGES) == list(Stage.choices)
