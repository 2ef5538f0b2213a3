"""Optimistic concurrency over the API: ETag on answers about one record, If-Match on writes.

The version itself is `revops.versions.record_version`; this module is its HTTP face, shared by
every viewset whose records are edited concurrently (the core records, attribution's partner
links and rules). A stale `If-Match` becomes `StaleRecordError` in the service and 409 in
`OrganizationScopedViewSetMixin.handle_exception`; a missing one is 428 when the server sets
API_REQUIRE_IF_MATCH.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions

from revops.versions import record_version

PRECONDITION_REQUIRED = "Send If-Match with the record's ETag (from a GET) to change it."
ONE_TAG = "If-Match takes one entity tag (or *)."


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_detail = PRECONDITION_REQUIRED
    default_code = "precondition_required"


def etag(instance: models.Model) -> str:
    """The record's ETag: its version (revops.versions), quoted."""
    return f'"{record_version(instance)}"'


IF_MATCH = OpenApiParameter(
    "If-Match",
    location=OpenApiParameter.HEADER,
    description=(
        "The ETag of the record as the client last read it. A record saved since is not "
        "overwritten: 409 with the current version and record. `*` matches any version. "
        "Required (else 428) when the server sets API_REQUIRE_IF_MATCH."
    ),
)
ETAG = OpenApiParameter(
    "ETag",
    location=OpenApiParameter.HEADER,
    response=[200, 201],
    description="The record's version; send it back as If-Match to change the record.",
)
STALE_RESPONSES = {
    409: OpenApiResponse(description="The record was saved by someone else since the If-Match version."),
    428: OpenApiResponse(description="If-Match is required and was not sent."),
}


def versioned_schema(serializer: Any, *, delete: bool = False):
    """The schema of a record viewset with ETag / If-Match (409, 428 documented); `delete`
    documents If-Match on DELETE too (for viewsets whose destroy checks it)."""
    write = extend_schema(parameters=[IF_MATCH, ETAG], responses={200: serializer, **STALE_RESPONSES})
    views = {
        "retrieve": extend_schema(parameters=[ETAG]),
        "create": extend_schema(parameters=[ETAG]),
        "update": write,
        "partial_update": write,
    }
    if delete:
        views["destroy"] = extend_schema(parameters=[IF_MATCH], responses={204: None, **STALE_RESPONSES})
    return extend_schema_view(**views)


class VersionedViewMixin:
    """ETag on every successful answer about one record (`self._answered`), If-Match parsing.

    A view sets `self._answered` to the record it answers about (retrieve, create, update);
    `if_match()` gives the version the client names ("*" for any), None without the header
    (or 428 when API_REQUIRE_IF_MATCH), 400 for more than one tag.
    """

    request: Any
    _answered: models.Model | None = None

    def if_match(self) -> str | None:
        """The version the client's If-Match names ("*" for any), or None without the header."""
        header = self.request.headers.get("If-Match")
        if header is None:
            if settings.API_REQUIRE_IF_MATCH:
                raise PreconditionRequired
            return None
        tags = [tag.strip() for tag in header.split(",") if tag.strip()]
        if len(tags) != 1:
            raise exceptions.ParseError(ONE_TAG)
        tag = tags[0].removeprefix("W/").strip('"')
        return tag or None

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        instance = self._answered
        if instance is not None and 200 <= response.status_code < 300:
            response["ETag"] = etag(instance)
        return response
