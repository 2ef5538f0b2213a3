"""Colours by concept: a gold partner is the same gold in every chart and on every badge.

Each concept (partner tier, deal stage, partner role, ...) registers one colour per value,
once; charts ask `colour_for("partner_tier", "gold")` and badges get the same colour from the
style sheet `palette_css()` writes (`{% palette_styles %}` in base.html), as `.<prefix>-<value>`
classes (`tier-gold`, `badge-closed_won`). Apps register their own concepts from
`AppConfig.ready` with `palette_register`, as they register labels (revops.labels).

A value nobody registered still gets a colour, the same one wherever it is drawn: it is picked
from `FALLBACK` by a stable hash of the concept and value, never by its position in a chart.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# For values without a registered colour; distinct from each other and readable on white.
FALLBACK = ("#2f5bea", "#0891b2", "#16a34a", "#d97706", "#7c3aed", "#db2777", "#64748b", "#0d9488")
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
_CSS_NAME = re.compile(r"^[a-z0-9_-]+$")


@dataclass(frozen=True)
class Palette:
    concept: str
    colours: dict[str, str]
    css_prefix: str = ""  # badges of this concept are `<css_prefix>-<value>`; "" writes no CSS


_PALETTES: dict[str, Palette] = {}


def palette_register(
    concept: str, colours: Mapping[Any, str] | Iterable[tuple[Any, str]], *, css_prefix: str = ""
) -> None:
    """Register the colours of `concept` (value → "#rrggbb"); registering again replaces them.

    Values may be `TextChoices` members: they are stored by their string value.
    """
    pairs = {str(k): v for k, v in (colours.items() if isinstance(colours, Mapping) else colours)}
    for value, colour in pairs.items():
        if not _HEX.match(colour):
            raise ValueError(f"Colour of {concept}={value} must be #rrggbb, not {colour!r}.")
        if css_prefix and not _CSS_NAME.match(str(value)):
            raise ValueError(f"{concept}={value!r} cannot be a CSS class name.")
    _PALETTES[concept] = Palette(concept, {k: v.lower() for k, v in pairs.items()}, css_prefix)


def colour_for(concept: str, value: object) -> str:
    """The colour of `value` in `concept`: the registered one, else a stable fallback."""
    palette = _PALETTES.get(concept)
    if palette is not None and str(value) in palette.colours:
        return palette.colours[str(value)]
    return FALLBACK[zlib.crc32(f"{concept}:{value}".encode()) % len(FALLBACK)]


def colours_for(concept: str, values: Iterable[object]) -> list[str]:
    return [colour_for(concept, value) for value in values]


def palette_colours(concept: str) -> dict[str, str]:
    """The registered colours of `concept` (value → colour); {} when nobody registered it."""
    palette = _PALETTES.get(concept)
    return dict(palette.colours) if palette is not None else {}


def registered_palettes() -> list[Palette]:
    return [_PALETTES[name] for name in sorted(_PALETTES)]


def _mix(colour: str, other: str, share: float) -> str:
    """`colour` with `share` (0–1) of `other` mixed in."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def badge_colours(colour: str) -> tuple[str, str]:
    """(background, text) of a badge in `colour`: a light tint with a dark shade of it."""
    return _mix(colour, "#ffffff", 0.85), _mix(colour, "#000000", 0.45)


def palette_css() -> str:
    """The badge rules of every concept registered with a CSS prefix, one line each."""
    rules = []
    for palette in registered_palettes():
        if not palette.css_prefix:
            continue
        for value, colour in palette.colours.items():
            background, text = badge_colours(colour)
            rules.append(
                f".{palette.css_prefix}-{value} {{ background: {background}; color: {text}; "
                f"--swatch: {colour}; }}"
            )
    return "\n".join(rules)


def register_core_palettes() -> None:
    from revops.models import Partner
    from revops.models.crm import PartnerType, Stage

    tier = Partner.Tier
    palette_register(
        "partner_tier",
        {
            tier.REGISTERED: "#94a3b8",
            tier.SILVER: "#64748b",
            tier.GOLD: "#d4a017",
            tier.PLATINUM: "#4f46e5",
        },
        css_prefix="tier",
    )
    palette_register(
        "partner_type",
        {
            PartnerType.SI: "#0891b2",
            PartnerType.INFLUENCE: "#db2777",
            PartnerType.REFERRAL: "#16a34a",
            PartnerType.ISV: "#7c3aed",
        },
    )
    # Open stages darken as the deal moves on; won is the dashboard's green, lost red.
    palette_register(
        "stage",
        {
            Stage.PROSPECTING: "#93c5fd",
            Stage.QUALIFICATION: "#60a5fa",
            Stage.PROPOSAL: "#2f5bea",
            Stage.NEGOTIATION: "#1e3a8a",
            Stage.CLOSED_WON: "#1a7f4b",
            Stage.CLOSED_LOST: "#b42318",
        },
        css_prefix="badge",
    )
