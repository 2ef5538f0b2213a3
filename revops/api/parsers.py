"""The API's JSON parser: DRF's, refusing what no field can hold with a 400 naming the field.

A body nested deeper than `revops.text.MAX_NESTING` levels, or holding a control character in
any string (a name with U+0001 once made every XLSX export of the organization fail), is a
parse error: 400 `{"detail": "<field path>: ..."}`, before any view or service runs. A body
nested so deep that Python's decoder gives up is the same 400, never a RecursionError.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from revops.text import structure_problem

TOO_DEEP = "JSON parse error - the document is nested too deeply."


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(TOO_DEEP) from exc
        problem = structure_problem(data)
        if problem is not None:
            raise ParseError(problem)
        return data
