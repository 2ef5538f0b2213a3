"""A SOQL subset for the fake Salesforce: SELECT fields FROM Object [WHERE …] [ORDER BY …] [LIMIT n].

WHERE takes comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`, `LIKE`, `IN (…)`, `NOT IN (…)`)
joined by AND / OR / NOT with parentheses; values are 'quoted strings' (backslash escapes),
numbers, true / false / null and date or datetime literals (dates kept as their ISO text, which
compares correctly against stored ISO text; datetimes compared as instants, so `…Z` and
`…+0000` spellings and milliseconds compare as Salesforce does).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<op><=|>=|!=|<>|=|<|>|\(|\)|,)|(?P<word>[A-Za-z0-9_.:+\-]+))"
)


class SoqlError(ValueError):
    pass


@dataclass
class Query:
    fields: list[str]
    sobject: str
    where: Callable[[dict], bool]
    order: list[tuple[str, bool]]  # (field, descending)
    limit: int | None


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise SoqlError(f"unexpected text at {text[pos : pos + 20]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> str:
        return self.toks[self.i][1] if self.i < len(self.toks) else ""

    def upper(self) -> str:
        return self.peek().upper()

    def take(self, expected: str | None = None) -> str:
        if self.i >= len(self.toks):
            raise SoqlError(f"unexpected end, expected {expected or 'more'}")
        value = self.toks[self.i][1]
        if expected and value.upper() != expected:
            raise SoqlError(f"expected {expected}, got {value!r}")
        self.i += 1
        return value

    def query(self) -> Query:
        self.take("SELECT")
        fields = [self.take()]
        while self.peek() == ",":
            self.take(",")
            fields.append(self.take())
        self.take("FROM")
        sobject = self.take()
        where: Callable[[dict], bool] = lambda r: True  # noqa: E731
        order: list[tuple[str, bool]] = []
        limit = None
        if self.upper() == "WHERE":
            self.take()
            where = self.disjunction()
        if self.upper() == "ORDER":
            self.take()
            self.take("BY")
            while True:
                name = self.take()
                desc = False
                if self.upper() in ("ASC", "DESC"):
                    desc = self.take().upper() == "DESC"
                if self.upper() == "NULLS":
                    self.take()
                    self.take()
                order.append((name, desc))
                if self.peek() != ",":
                    break
                self.take(",")
        if self.upper() == "LIMIT":
            self.take()
            limit = int(self.take())
        if self.i != len(self.toks):
            raise SoqlError(f"unexpected {self.peek()!r}")
        return Query(fields, sobject, where, order, limit)

    def disjunction(self) -> Callable[[dict], bool]:
        parts = [self.conjunction()]
        while self.upper() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else (lambda r: any(p(r) for p in parts))

    def conjunction(self) -> Callable[[dict], bool]:
        parts = [self.unary()]
        while self.upper() == "AND":
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda r: all(p(r) for p in parts))

    def unary(self) -> Callable[[dict], bool]:
        if self.upper() == "NOT":
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        if self.peek() == "(":
            self.take("(")
            inner = self.disjunction()
            self.take(")")
            return inner
        return self.comparison()

    def value(self) -> Any:
        kind, text = self.toks[self.i]
        self.i += 1
        if kind == "str":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        low = text.lower()
        if low in ("true", "false"):
            return low == "true"
        if low == "null":
            return None
        if re.fullmatch(r"-?\d+", text):
            return int(text)
        if re.fullmatch(r"-?\d+\.\d+", text):
            return float(text)
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return text
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T[0-9:.]+(Z|[+-]\d{2}:?\d{2})", text):
            return dt.datetime.fromisoformat(text)
        raise SoqlError(f"bad value {text!r}")

    def comparison(self) -> Callable[[dict], bool]:
        name = self.take()
        op = self.take().upper()
        if op == "NOT":
            self.take("IN")
            op = "NOT IN"
        if op in ("IN", "NOT IN"):
            self.take("(")
            values = [self.value()]
            while self.peek() == ",":
                self.take(",")
                values.append(self.value())
            self.take(")")
            wanted = set(values)
            if op == "IN":
                return lambda r: r.get(name) in wanted
            return lambda r: r.get(name) not in wanted
        value = self.value()
        if op == "LIKE":
            pattern = re.compile(
                "^" + "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in value) + "$",
                re.IGNORECASE | re.S,
            )
            return lambda r: r.get(name) is not None and bool(pattern.match(str(r.get(name))))
        compare: dict[str, Callable[[Any], bool]] = {
            "=": lambda v: v == value,
            "!=": lambda v: v != value,
            "<>": lambda v: v != value,
            "<": lambda v: v is not None and v < value,
            "<=": lambda v: v is not None and v <= value,
            ">": lambda v: v is not None and v > value,
            ">=": lambda v: v is not None and v >= value,
        }
        if op not in compare:
            raise SoqlError(f"unknown operator {op!r}")
        fn = compare[op]
        if isinstance(value, dt.datetime):
            return lambda r: fn(_instant(r.get(name)))
        return lambda r: fn(r.get(name))


def _instant(stored: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(stored) if isinstance(stored, str) and stored else None


def parse(text: str) -> Query:
    return _Parser(text).query()
