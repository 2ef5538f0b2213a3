"""Configuration documents: every refusal names the path of the bad key; templates load."""

import re
from pathlib import Path

import pytest

from distribution.engine import TEMPLATES, ConfigError, dump, load_file, load_text, render_template

BASE = "campaign: {name: T}\ndistribution: {strategy: round_robin}\n"


@pytest.mark.parametrize(
    ("_case", "text", "path", "words"),
    [
        ("unknown_key", BASE + "lead_finding: {colour: red}\n", "lead_finding.colour", "unknown key"),
        ("unknown_top", BASE + "extras: 1\n", "extras", "unknown key"),
        ("wrong_type", BASE + "lead_finding: {max_leads: many}\n", "lead_finding.max_leads", "integer"),
        (
            "unknown_strategy",
            "campaign: {name: T}\ndistribution: {strategy: fastest}\n",
            "distribution.strategy",
            "round_robin",
        ),
        (
            "unknown_in_chain",
            "campaign: {name: T}\ndistribution: {strategy: [round_robin, best]}\n",
            "distribution.strategy.1",
            "level_based",
        ),
        (
            "bad_regex",
            BASE + "lead_finding: {web_sources: {match: regex, values: [ok, '(unclosed']}}\n",
            "lead_finding.web_sources.values.1",
            "bad regular expression",
        ),
        ("missing_campaign", "distribution: {strategy: round_robin}\n", "campaign", "Field required"),
        (
            "levels_needed",
            "campaign: {name: T}\ndistribution: {strategy: level_based}\n",
            "distribution.levels",
            "required by the level_based",
        ),
        (
            "empty_range",
            BASE + "lead_finding: {date_range: {older_than_days: 9, younger_than_days: 2}}\n",
            "lead_finding.date_range.younger_than_days",
            "empty",
        ),
        (
            "env_unset",
            "campaign: {name: '${NOPE_NOT_SET}'}\ndistribution: {strategy: round_robin}\n",
            "campaign.name",
            "NOPE_NOT_SET",
        ),
    ],
)
def test_bad_config_names_the_path(_case, text, path, words):
    with pytest.raises(ConfigError) as caught:
        load_text(text, env={})
    assert caught.value.path == path
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"{path}: ")


def test_env_interpolation():
    doc = load_text(
        "campaign: {name: '${CAMPAIGN}-daily'}\ndistribution: {strategy: round_robin}\n",
        env={"CAMPAIGN": "Spring"},
    )
    assert doc.campaign.name == "Spring-daily"


def test_json_documents_load():
    doc = load_text(
        '{"campaign": {"name": "J"}, "distribution": {"strategy": ["proportional", "round_robin"]}}', env={}
    )
    assert [s.value for s in doc.distribution.chain] == ["proportional", "round_robin"]


def test_missing_named_file_is_refused(tmp_path: Path):
    path = tmp_path / "daily.yaml"
    path.write_text(BASE + "lead_finding: {web_sources: {file: sources.txt}}\n")
    with pytest.raises(ConfigError) as caught:
        load_file(path, env={})
    assert caught.value.path == "lead_finding.web_sources.file"
    (tmp_path / "sources.txt").write_text("google\n")
    assert load_file(path, env={}).lead_finding.web_sources.file == "sources.txt"


def test_missing_config_file(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"config file not found: nope\.yaml"):
        load_file(tmp_path / "nope.yaml", env={})


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_are_valid_documents(name):
    text = render_template(name, campaign="Spring")
    # The CRM templates read their secrets from the environment.
    env = dict.fromkeys(re.findall(r"\$\{([A-Z_]+)\}", text), "set-in-env")
    doc = load_text(text, env=env)
    assert doc.campaign.name == "Spring"
    assert doc.lead_source.type == {"odoo": "odoo", "salesforce": "salesforce"}.get(name, "revops")


def test_unknown_template():
    with pytest.raises(ConfigError, match="template: unknown template 'fancy'"):
        render_template("fancy")


@pytest.mark.parametrize("name", ["odoo.yaml", "salesforce.yaml"])
def test_crm_examples_are_valid_documents(name):
    path = Path(__file__).resolve().parents[2] / "examples" / "distribution" / name
    env = {var: f"value-of-{var}" for var in re.findall(r"\$\{([A-Z_]+)\}", path.read_text())}
    doc = load_file(path, env=env)
    assert doc.lead_source.type == name.removesuffix(".yaml")
    secrets = [v for k, v in env.items() if k.endswith(("PASSWORD", "TOKEN", "SESSION_ID"))]
    assert secrets and not [s for s in secrets if s in repr(doc) or s in dump(doc)]
