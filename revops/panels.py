"""Panels that domain apps add to the core's record pages (account, partner, deal).

The core renders an account's deals and activity; attribution adds its partners and splits,
revenue and ledger lines; commissions or forecasting can add theirs later, without the core
importing any of them. A panel names the capability it needs, the partial it renders and a
function that builds that partial's context through the app's own selectors (partials never
query).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from revops.models import Membership
from revops.permissions import Cap, has_cap

RECORD_KINDS = ("account", "partner", "deal")


@dataclass(frozen=True)
class RecordPanel:
    kind: str  # one of RECORD_KINDS
    key: str  # unique per kind; also the panel's element id
    title: str
    cap: Cap
    template: str
    context: Callable[..., dict[str, Any]]  # context(membership=..., record=...) -> dict
    order: int = 100


_PANELS: dict[str, dict[str, RecordPanel]] = {kind: {} for kind in RECORD_KINDS}


def record_panel_register(panel: RecordPanel) -> None:
    """Add (or replace, by key) a panel on the record pages of `panel.kind`."""
    if panel.kind not in _PANELS:
        raise ValueError(f"unknown record kind {panel.kind!r}; use one of {', '.join(RECORD_KINDS)}")
    _PANELS[panel.kind][panel.key] = panel


def record_panels(*, kind: str, membership: Membership, record) -> list[dict[str, Any]]:
    """The panels `membership` may see on `record`'s page, each with its rendered context."""
    panels = sorted(_PANELS[kind].values(), key=lambda p: (p.order, p.key))
    return [
        {
            "key": panel.key,
            "title": panel.title,
            "template": panel.template,
            "context": panel.context(membership=membership, record=record),
        }
        for panel in panels
        if has_cap(membership, panel.cap)
    ]
