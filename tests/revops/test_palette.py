"""The palette registry: one colour per concept value, in charts and badges alike."""

import pytest

from revops import palette
from revops.palette import FALLBACK, badge_colours, colour_for, palette_css, palette_register


@pytest.fixture
def registry(monkeypatch):
    """The registry as the apps left it; what a test registers is forgotten afterwards."""
    monkeypatch.setattr(palette, "_PALETTES", dict(palette._PALETTES))


def test_core_concepts_are_registered_from_ready():
    # then
    assert colour_for("partner_tier", "gold") == "#d4a017"
    assert colour_for("stage", "closed_won") == "#1a7f4b"


def test_an_unregistered_value_gets_the_same_fallback_every_time(registry):
    # when
    first = colour_for("campaign_channel", "webinar")
    again = colour_for("campaign_channel", "webinar")
    # then
    assert first == again
    assert first in FALLBACK


def test_registering_again_replaces_the_colours(registry):
    # given
    palette_register("channel", {"email": "#111111"})
    # when
    palette_register("channel", {"email": "#222222"})
    # then
    assert colour_for("channel", "email") == "#222222"


@pytest.mark.parametrize(
    ("_case", "colours", "prefix", "message"),
    [
        ("not hex", {"email": "red"}, "", "must be #rrggbb"),
        ("not a class name", {"e mail": "#111111"}, "channel", "cannot be a CSS class name"),
    ],
)
def test_register_refuses_what_it_cannot_draw(registry, _case, colours, prefix, message):
    # when / then
    with pytest.raises(ValueError, match=message):
        palette_register("channel", colours, css_prefix=prefix)
    assert "channel" not in palette._PALETTES


def test_badges_are_written_from_the_palette(registry):
    # given
    palette_register("channel", {"email": "#2f5bea"}, css_prefix="channel")
    background, text = badge_colours("#2f5bea")
    # when
    css = palette_css()
    # then
    assert f".channel-email {{ background: {background}; color: {text}; --swatch: #2f5bea; }}" in css
    assert ".tier-gold { background: " in css


def test_every_page_carries_the_palette_styles(org, manager, client_for):
    # when
    html = client_for(manager).get("/jobs/").content.decode()
    # then
    assert html.count("<style>") == 1
    assert palette_css() in html
