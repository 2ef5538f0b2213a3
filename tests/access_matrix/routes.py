"""Every URL pattern of the project, walked from the root resolver, and how to build its path."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

FORMAT_GROUP = "(?P<format>"
FORMAT_CONVERTER = "<drf_format_suffix:format>"


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full name (namespace:name, or None) and its full route string."""

    name: str | None
    route: str

    @property
    def is_format_variant(self) -> bool:
        """A DRF format-suffix twin of a named route (`accounts.json`)."""
        return FORMAT_GROUP in self.route or FORMAT_CONVERTER in self.route

    @property
    def key(self) -> str:
        """How the matrix names the route: its full name, or its route string when unnamed."""
        return self.name if self.name is not None else self.route


def _walk(patterns, prefix: str, namespace: str | None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name
            if name is not None and namespace:
                name = f"{namespace}:{name}"
            yield Route(name=name, route=prefix + str(pattern.pattern))


def all_routes() -> list[Route]:
    """Every URL pattern reachable from ROOT_URLCONF, in resolution order, without duplicates."""
    seen: dict[tuple[str | None, str], Route] = {}
    for route in _walk(get_resolver().url_patterns, "", None):
        seen.setdefault((route.name, route.route), route)
    return list(seen.values())


_CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")
_GROUP_START = re.compile(r"\(\?P<(?P<name>\w+)>")


def _group_end(text: str, start: int) -> int:
    """Index just past the parenthesis closing the group opened at `start`."""
    depth, index, in_class = 0, start, False
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    raise ValueError(f"unbalanced group in {text!r}")


def _substitute_groups(text: str, kwargs: dict[str, object]) -> str:
    while match := _GROUP_START.search(text):
        end = _group_end(text, match.start())
        text = text[: match.start()] + _value(match.group("name"), kwargs, None) + text[end:]
    return text


def build_path(route: Route, kwargs: dict[str, object]) -> str:
    """The request path for `route` with `kwargs` substituted (regex and path syntax alike)."""
    text = _substitute_groups(route.route, kwargs)  # first: `(?P<pk>` also looks like a converter
    text = _CONVERTER.sub(lambda m: _value(m.group("name"), kwargs, m.group("conv")), text)
    text = text.replace("^", "").replace("$", "").replace("/?", "").replace("\\.", ".")
    return "/" + text


def _value(name: str, kwargs: dict[str, object], converter: str | None) -> str:
    if converter == "drf_format_suffix":
        return f".{kwargs[name]}"
    return str(kwargs[name])
