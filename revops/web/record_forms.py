"""One create/edit page for the core records: a form, a service call, audited, then the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from revops.versions import StaleRecordError


def record_form_response(
    request: HttpRequest,
    *,
    form: Any,
    save: Callable[..., Any],
    url_of: Callable[[Any], str],
    title: str,
    cancel_url: str,
) -> HttpResponse:
    """GET: the empty or filled form. POST: validate, save, go to the record.

    A create form calls `save(cleaned_data)`; an edit form (its instance saved already) calls
    `save(cleaned_data, version)` with the version the form was opened on. A service's
    ValidationError (a database constraint, a rule across rows) is shown on the form like a
    field error; a StaleRecordError (someone saved the record since) is shown with the current
    values that differ from the submitted ones, answered 409, and the form then carries the
    current version, so saving again overwrites knowingly. Nothing is written on either.
    """
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version", None) or None
        try:
            record = save(data, version) if form.instance.pk is not None else save(data)
        except StaleRecordError as exc:
            _show_conflict(form, exc, data)
            status = 409
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc)
        else:
            return HttpResponseRedirect(url_of(record))
    if request.method == "POST" and status == 200:
        status = 400
    context = {"form": form, "title": title, "cancel_url": cancel_url}
    return render(request, "revops/record_form.html", context, status=status)


def _display(form: Any, name: str, value: Any) -> str:
    field = form.fields[name]
    choices = dict(getattr(field, "choices", []) or [])
    if isinstance(value, list | tuple):
        return ", ".join(str(choices.get(v, v)) for v in value) or "—"
    if value in (None, ""):
        return "—"
    return str(choices.get(value, value))


def _show_conflict(form: Any, exc: StaleRecordError, submitted: dict[str, Any]) -> None:
    """Put the conflict on the form: who saved, and each current value that differs from
    the submitted one; the hidden version moves to the current one."""
    current = exc.instance
    lines = []
    for name, value in submitted.items():
        now = getattr(current, name)
        if hasattr(now, "all"):  # a many-to-many field
            now = list(now.all())
        if now != value:
            label = form.fields[name].label or name
            lines.append(f"{label}: now {_display(form, name, now)} (yours: {_display(form, name, value)})")
    who = ""
    if exc.last_save is not None:
        when = timezone.localtime(exc.last_save.at).strftime("%Y-%m-%d %H:%M")
        who = f" Last saved by {exc.last_save.by} at {when}."
    detail = "; ".join(lines) if lines else "no field you submitted differs"
    form.add_error(
        None,
        f"{exc.message}{who} Current values: {detail}. Check them and save again to keep yours.",
    )
    form.data = form.data.copy()
    form.data[form.add_prefix("version")] = exc.current_version
