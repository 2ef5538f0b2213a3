"""Text that the rest of the system can hold: no control characters, bounded nesting.

One definition for every door. Exports remove the control characters a spreadsheet cannot
hold (`revops.exports`); the API refuses them in any JSON string, naming the field
(`revops.api.parsers`); file imports remove them from text cells (`revops.imports.fields`).
Tab, line feed and carriage return are text, not control characters, here.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab, LF and CR, and DEL (openpyxl's ILLEGAL_CHARACTERS_RE plus DEL).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# JSON bodies and rule files nest this deep at most (a rule's conditions nest a few levels).
MAX_NESTING = 32
# Values walked at most: a YAML file's aliases can make a small file a huge tree.
MAX_VALUES = 500_000


def clean_text(text: str) -> str:
    """`text` without control characters."""
    return CONTROL_CHARACTERS.sub("", text)


def first_control_character(text: str) -> str | None:
    """The first control character in `text` as U+XXXX, or None."""
    found = CONTROL_CHARACTERS.search(text)
    return None if found is None else f"U+{ord(found.group()):04X}"


def structure_problem(data: Any, *, max_depth: int = MAX_NESTING, max_values: int = MAX_VALUES) -> str | None:
    """What is wrong with parsed JSON/YAML `data` (too deep, a control character), or None.

    Walks iteratively (no recursion, so no RecursionError), in time linear in the size of
    `data`; the message names the path of the value, e.g. `rules.3.name`.
    """
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    walked = 0
    while stack:
        value, path, depth = stack.pop()
        walked += 1
        if walked > max_values:
            return f"the document holds more than {max_values:,} values."
        if isinstance(value, dict | list):
            if depth >= max_depth:
                return f"{path or 'the document'}: nested more than {max_depth} levels deep."
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str) and (bad := first_control_character(key)):
                    return f"{path or 'the document'}: a key contains the control character {bad}."
                stack.append((item, f"{path}.{key}" if path else str(key), depth + 1))
        elif isinstance(value, str) and (bad := first_control_character(value)):
            return f"{path or 'the value'}: contains the control character {bad}."
    return None
