"""One create/edit page for the core records: a form, a service call, audited, then the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render


def record_form_response(
    request: HttpRequest,
    *,
    form: Any,
    save: Callable[[dict[str, Any]], Any],
    url_of: Callable[[Any], str],
    title: str,
    cancel_url: str,
) -> HttpResponse:
    """GET: the empty or filled form. POST: validate, `save(cleaned_data)`, go to the record.

    A service's ValidationError (a database constraint, a rule across rows) is shown on the
    form like a field error; nothing is written then.
    """
    if request.method == "POST" and form.is_valid():
        try:
            record = save(form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return HttpResponseRedirect(url_of(record))
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, "revops/record_form.html", context, status=status)
