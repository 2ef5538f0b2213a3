"""Normalising company names and web domains so one company is recognised however it is typed.

Pure functions (no database), shared by the account-matching selector that lead distribution,
partner deal registration and the CRM sync use:

* ``domain_key``: lower case, scheme, ``www.``, path, port and trailing dot removed; an e-mail
  address gives its domain; free-mail and disposable domains (gmail.com, outlook.com, ...) give
  ``""`` because they say nothing about the company.
* ``name_key``: lower case, accents folded, ``&`` → ``and``, punctuation dropped, a leading
  "the" and trailing legal forms (Inc, LLC, Ltd, GmbH, Corp, Co, PLC, S.A., AG, B.V., ...)
  removed, whitespace collapsed. "The Acme Corporation, Inc." and "ACME corp" both give "acme".
* ``name_similarity``: 0..1, the ratio of matching characters of two name keys (difflib), used
  for fuzzy matches above ``FUZZY_THRESHOLD``.
* ``word_variants``: a word and its one-letter deletions; two words within one edit share one
  (the fuzzy candidates' index on PostgreSQL, migration ``revops/0008``).
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher

FUZZY_THRESHOLD = 0.86
PREFIX_LENGTH = 3
# Words shorter than this are only matched exactly by their variants (a deletion of a
# three-letter word is a two-letter string half the names share).
VARIANT_MIN_LENGTH = 4

FREE_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "gmail.com",
        "googlemail.com",
        "gmx.com",
        "gmx.de",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "web.de",
        "yahoo.com",
        "yandex.com",
        "zoho.com",
    }
)

LEGAL_FORMS = frozenset(
    {
        "ab",
        "ag",
        "as",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pty",
        "sa",
        "sarl",
        "sas",
        "spa",
        "srl",
    }
)

_NON_WORD = re.compile(r"[^a-z0-9]+")


def domain_key(value: str) -> str:
    """The company's web domain from a URL, a bare domain or an e-mail address; "" if none."""
    text = (value or "").strip().lower()
    if not text:
        return ""
    if "@" in text and "://" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].strip(". ")
    if text.startswith("www."):
        text = text[4:]
    if "." not in text or " " in text or text in FREE_MAIL_DOMAINS:
        return ""
    return text


def name_key(value: str) -> str:
    """The company's name reduced to what identifies it (see the module docstring)."""
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower().replace("&", " and ")
    # "S.A." and "B.V." are legal forms once their dots are gone.
    text = re.sub(r"\b([a-z])\.([a-z])\.?(?=\s|$|,)", r"\1\2", text)
    words = [w for w in _NON_WORD.split(text) if w]
    if words and words[0] == "the" and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in LEGAL_FORMS:
        words.pop()
    return " ".join(words)


def name_prefix(key: str) -> str:
    """The first letters of a name key: fuzzy candidates share it (an indexed exact lookup)."""
    return key.replace(" ", "")[:PREFIX_LENGTH]


def name_similarity(a: str, b: str) -> float:
    """0..1 similarity of two name keys."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def word_variants(word: str) -> set[str]:
    """The word and, from ``VARIANT_MIN_LENGTH`` letters on, each form with one letter deleted.

    Two words within one edit (insertion, deletion, substitution, swap of neighbours) share at
    least one variant. The same as the SQL function ``revops_name_variants`` of migration
    ``revops/0008`` computes for each word of a name key.
    """
    variants = {word}
    if len(word) >= VARIANT_MIN_LENGTH:
        variants.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return variants
