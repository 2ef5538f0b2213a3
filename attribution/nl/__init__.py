"""Natural-language attribution rules: a deterministic grammar, then an optional LLM fallback."""

from attribution.nl.parser import ParseContext, ParseFailure, parse_rule

__all__ = ["ParseContext", "ParseFailure", "parse_rule"]
