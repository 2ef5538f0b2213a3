"""Figures of the partner comparison: rates as percent, differences in points, intervals."""

from __future__ import annotations

from django import template

from partners.engine.comparison import Interval

register = template.Library()
NONE = "—"


def _number(value) -> bool:
    # No comparison gives no estimate: the template hands on None (or "" for a missing attribute).
    return isinstance(value, int | float) and not isinstance(value, bool)


@register.filter
def percent(value) -> str:
    """0.4167 → "41.7 %"."""
    return f"{value * 100:.1f} %" if _number(value) else NONE


@register.filter
def points(value) -> str:
    """A difference of rates in percentage points, signed: 0.25 → "+25.0 pts"."""
    return f"{value * 100:+.1f} pts" if _number(value) else NONE


@register.filter
def points_interval(interval: Interval | None) -> str:
    if interval is None or interval.low is None or interval.high is None:
        return NONE
    return f"{interval.low * 100:+.1f} to {interval.high * 100:+.1f} pts"


@register.filter
def days(value) -> str:
    return f"{value:.1f}" if _number(value) else NONE


@register.filter
def days_interval(interval: Interval | None) -> str:
    if interval is None or interval.low is None or interval.high is None:
        return NONE
    return f"{interval.low:+.1f} to {interval.high:+.1f}"
