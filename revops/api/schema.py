"""OpenAPI: the error answers every operation can give, documented next to its success.

drf-spectacular documents what a view returns when all goes well. A client (and a fuzzer
that checks answers against the schema) also meets the refusals the shared machinery gives:

- 401 without a valid token, 403 without the capability, 429 over the token's rate
  (`Retry-After` header) — every operation;
- 404 for a row that does not exist or lies outside the caller's scope — operations with a
  path parameter — and for every operation of a view behind the portal boundary (`audience`:
  partner users get 404 from internal-only views, everyone else from portal views);
- 400 with the field errors — operations that take a body or query parameters (filters,
  ordering, pagination);
- 415 for a body in a media type the operation does not parse — operations with a body;
- 409 when a row is still referenced (PROTECT) — DELETE.

Query parameters of a FilterSet also say `allowEmptyValue`: an empty filter means "any", as
the pages' empty selects send it.
"""

from __future__ import annotations

import re
from typing import Any

ERROR_COMPONENT = "Error"
VALIDATION_COMPONENT = "ValidationErrors"
METHODS = ("get", "post", "put", "patch", "delete")
# Query parameters that are not FilterSet fields: an empty value is refused (400) there.
NOT_EMPTY = frozenset({"limit", "offset", "file_format", "reason"})

_SCHEMAS: dict[str, dict[str, Any]] = {
    ERROR_COMPONENT: {
        "type": "object",
        "description": "A refusal: what went wrong, in one sentence.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    VALIDATION_COMPONENT: {
        "description": "Field errors: field name (or `non_field_errors`) → messages; a list for list bodies.",
        "oneOf": [{"type": "object", "additionalProperties": {}}, {"type": "array", "items": {}}],
    },
}

_DESCRIPTIONS = {
    "400": "Invalid input: the errors name each field.",
    "401": "No valid credentials.",
    "403": "The caller may not do this.",
    "404": "No such row in the caller's scope.",
    "409": "The row is still referenced by others.",
    "415": "The body's media type is not accepted.",
    "429": "Over the token's rate limit; retry after `Retry-After` seconds.",
}


def _response(code: str) -> dict[str, Any]:
    component = VALIDATION_COMPONENT if code == "400" else ERROR_COMPONENT
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
    }
    if code == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    return response


def _shape(path: str) -> str:
    """A path with its parameters unnamed: `/a/{pk}/` and `/a/{id}/` are one route."""
    return re.sub(r"\{[^}]+\}", "{}", path)


def _bounded_routes(generator) -> set[tuple[str, str]]:
    """(path shape, method) of views behind the portal boundary: the other side gets 404."""
    routes = set()
    for path, _regex, method, view in getattr(generator, "endpoints", None) or []:
        if getattr(getattr(view, "cls", view), "audience", ""):
            routes.add((_shape(path), method.lower()))
    return routes


def _error_codes(method: str, operation: dict[str, Any], *, bounded: bool) -> list[str]:
    locations = {parameter.get("in") for parameter in operation.get("parameters", [])}
    codes = ["401", "403", "429"]
    if "path" in locations or bounded:
        codes.append("404")
    if "requestBody" in operation or "query" in locations:
        codes.append("400")
    if "requestBody" in operation:
        codes.append("415")
    if method == "delete":
        codes.append("409")
    return codes


def _also_field_errors(response: dict[str, Any]) -> None:
    """A view's own 400 body (an import's line errors) or DRF's field errors (a body it could not parse)."""
    content = response.get("content", {}).get("application/json")
    ref = {"$ref": f"#/components/schemas/{VALIDATION_COMPONENT}"}
    if content is not None and content.get("schema") != ref:
        content["schema"] = {"anyOf": [content["schema"], ref]}


def document_error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: add the error answers each operation can give."""
    bounded_routes = _bounded_routes(generator)
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                # A FilterSet reads `?region=` as "any region" (the pages' empty select); a
                # plain string admits "" already.
                if (
                    parameter.get("in") == "query"
                    and parameter["name"] not in NOT_EMPTY
                    and parameter.get("schema") != {"type": "string"}
                ):
                    parameter["allowEmptyValue"] = True
            responses = operation.setdefault("responses", {})
            bounded = (_shape(path), method) in bounded_routes
            for code in _error_codes(method, operation, bounded=bounded):
                if code == "400" and code in responses:
                    _also_field_errors(responses[code])
                responses.setdefault(code, _response(code))
    result.setdefault("components", {}).setdefault("schemas", {}).update(_SCHEMAS)
    return result
