"""API pagination: limit/offset with a ceiling; a limit or offset that is not a number is a 400.

DRF falls back to the defaults on `?limit=abc` or `?offset=-3`, so a client's typo silently
returns another page than the one asked for. Here `limit` is a whole number from 1 (larger
than `max_limit` is capped, as before) and `offset` a whole number from 0 up to the
database's integer range (a larger one made SQLite refuse the query: a 500).
"""

import re

from rest_framework import pagination
from rest_framework.exceptions import ValidationError

MAX_OFFSET = 2**63 - 1
_WHOLE = re.compile(r"[0-9]+")


def _whole_number(request, name: str, *, minimum: int, maximum: int | None) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not _WHOLE.fullmatch(raw) or int(raw) < minimum or (maximum is not None and int(raw) > maximum):
        bound = f" and at most {maximum}" if maximum is not None else ""
        raise ValidationError({name: [f"Enter a whole number of at least {minimum}{bound}."]})
    return int(raw)


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_limit(self, request) -> int:
        limit = _whole_number(request, self.limit_query_param, minimum=1, maximum=None)
        if limit is None:
            return self.default_limit
        return min(limit, self.max_limit)

    def get_offset(self, request) -> int:
        offset = _whole_number(request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET)
        return offset or 0

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.limit_query_param: {"minimum": 1},
            self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
        }
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], **bounds.get(parameter["name"], {})}
        return parameters
