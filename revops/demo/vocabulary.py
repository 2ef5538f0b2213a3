"""Demo vocabulary: named word lists apps add for their demo steps, optionally per organization.

An app registers its words from its `demo.py` (campaign names, plan names, reasons for a
change...) and its steps read them with `ctx.words(name)`, so one app's demo text needs no
edit of the core's specs, and a demo organization can have its own wording.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.module_loading import autodiscover_modules

# name → (words for every demo organization, overrides by organization slug)
_vocabularies: dict[str, tuple[tuple[str, ...], dict[str, tuple[str, ...]]]] = {}


def register_vocabulary(
    name: str, words: Iterable[str], *, by_org: dict[str, Iterable[str]] | None = None
) -> None:
    """Add a named word list for demo steps (an app's campaign names, plan names, reasons...).

    `by_org` replaces the list for some demo organizations (e.g. German names for one of them).
    Registering the same list again is a no-op; another list under a taken name is refused.
    """
    entry = (tuple(words), {slug: tuple(org_words) for slug, org_words in (by_org or {}).items()})
    if not entry[0] or not all(entry[1].values()):
        raise ValueError(f"Demo vocabulary {name!r} is empty.")
    if _vocabularies.setdefault(name, entry) != entry:
        raise ValueError(f"Demo vocabulary {name!r} is already registered with other words.")


def demo_words(name: str, *, org_slug: str) -> tuple[str, ...]:
    """The words of vocabulary `name` for one demo organization."""
    autodiscover_modules("demo")
    try:
        words, by_org = _vocabularies[name]
    except KeyError:
        raise LookupError(f"No demo vocabulary named {name!r}.") from None
    return by_org.get(org_slug, words)
