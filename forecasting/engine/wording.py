"""The guard on a reworded deal analysis: the wording may change, the numbers may not.

A language model may rephrase the deterministic analysis (`explain.narrative`). Its answer is
accepted only if it carries exactly the numbers of the analysis: every number it writes appears
in the analysis (nothing invented, no rounding, no sums), every number of the analysis appears
in it (nothing dropped), and it writes no number word ("twice", "forty", "half", …) the
analysis does not have. Numbers are compared as written, thousands separators removed
("12,400" and "12400" are the same number); signs and units are not compared.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
# fmt: off
_NUMBER_WORDS = frozenset((
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    "hundred", "thousand", "million", "billion", "dozen", "half", "quarter", "third", "double",
    "twice", "triple", "thrice"
))
# fmt: on
_WORD = re.compile(r"[a-z]+")


def numbers_in(text: str) -> frozenset[str]:
    """The numbers written in ``text``, thousands separators removed."""
    out = set()
    for match in _NUMBER.findall(text):
        value = match.rstrip(",").replace(",", "")
        if value:
            out.add(value)
    return frozenset(out)


def number_words_in(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w in _NUMBER_WORDS)


@dataclass(frozen=True)
class WordingCheck:
    accepted: bool
    reason: str  # empty when accepted


def check_wording(original: str, candidate: str) -> WordingCheck:
    """Accept ``candidate`` as a rewording of ``original`` only if the numbers are the same."""
    if not candidate.strip():
        return WordingCheck(False, "the answer is empty")
    invented = numbers_in(candidate) - numbers_in(original)
    if invented:
        return WordingCheck(False, f"it writes {', '.join(sorted(invented))}, not in the analysis")
    dropped = numbers_in(original) - numbers_in(candidate)
    if dropped:
        return WordingCheck(False, f"it leaves out {', '.join(sorted(dropped))}")
    words = number_words_in(candidate) - number_words_in(original)
    if words:
        return WordingCheck(False, f"it writes the number word {', '.join(sorted(words))}")
    return WordingCheck(True, "")


def text_hash(text: str) -> str:
    """SHA-256 of the analysis sent: the cache key of its rewording."""
    return hashlib.sha256(text.encode()).hexdigest()
