"""A URL under /api/ that matches no route answers like the API does: JSON, not a page.

`/api/v1/accounts/1.5/` or `/api/v1/imports/jobs/abc/` never reach a view (the id is not in
the route's form), so Django's handler answers; integrations expect `{"detail": ...}` with
`application/json` there as for any other missing row.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
NOT_FOUND = "Not found."


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/, the site's 404 page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return defaults.page_not_found(request, exception)
