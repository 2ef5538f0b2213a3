"""Registration by e-mail: a plain-text body of `Key: value` lines, submitted for one partner.

The body names the same fields as the portal form, one per line (keys are case-insensitive;
blank lines and lines starting with `#` or `>` are ignored; a line that is not `Key: value`
continues the description when it follows `Description:`):

    Your name: Jane Doe
    Your e-mail: jane@partner.example
    Company: Bluebird Logistics
    Web domain: bluebird.example
    Contact: Ada Byrne
    Contact e-mail: ada@bluebird.example
    Description: Warehouse analytics roll-out
    Estimated value: 25000.00
    Currency: USD
    Product line: Analytics            (the product line's name or code)
    Expected close: 2026-06-30         (YYYY-MM-DD)
    Your role: Referral                (the role's name or code)

The values are checked by the portal's form (the same errors), then submitted through
`registration_submit_for_partner` (conflict check, approval chain, audit). Every problem is
reported with its line and field, and nothing is written unless the whole body is valid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from partners.forms import LinkRegistrationForm
from partners.models import DealRegistration
from partners.services.registrations import RegistrationInput, registration_submit_for_partner
from revops.models import Partner, ProductLine
from revops.models.crm import PartnerType

# Key (lower-cased) → form field. The form's labels, plus a few plain synonyms.
KEYS = {
    "your name": "submitter_name",
    "name": "submitter_name",
    "your e-mail": "submitter_email",
    "your email": "submitter_email",
    "company": "account_name",
    "web domain": "domain",
    "domain": "domain",
    "contact": "contact_name",
    "contact e-mail": "contact_email",
    "contact email": "contact_email",
    "description": "description",
    "estimated value": "estimated_value",
    "currency": "currency",
    "product line": "product_line",
    "expected close": "expected_close",
    "your role": "role",
    "role": "role",
}
LINE = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z \-]*?)\s*:\s*(?P<value>.*?)\s*$")
UNKNOWN_KEY = "line {line}: unknown field “{key}”"
REPEATED_KEY = "line {line}: {label} is given twice"
NOT_A_FIELD_LINE = "line {line}: expected “Field: value”"


@dataclass(frozen=True)
class IntakeError(Exception):
    """The body's problems, each naming its line (when it has one) and field."""

    errors: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.errors)


def _label(form, field: str) -> str:
    return str(form.fields[field].label or field.replace("_", " ").capitalize())


def intake_parse(text: str) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """The body's values by form field, the line each came from, and the lines it refused."""
    values: dict[str, str] = {}
    lines: dict[str, int] = {}
    errors: list[str] = []
    last = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith(("#", ">")):
            continue
        match = LINE.match(raw)
        field = KEYS.get(match["key"].strip().lower()) if match else None
        if field is None:
            if last == "description":
                values["description"] = f"{values['description']}\n{raw.strip()}".strip()
            elif match:
                errors.append(UNKNOWN_KEY.format(line=number, key=match["key"].strip()))
            else:
                errors.append(NOT_A_FIELD_LINE.format(line=number))
            continue
        assert match is not None
        if field in values:
            errors.append(REPEATED_KEY.format(line=number, label=match["key"].strip()))
            continue
        values[field], lines[field], last = match["value"], number, field
    return values, lines, errors


def _choice_values(values: dict[str, str], partner: Partner) -> dict[str, str]:
    """Product line and role may be written by name: turn them into what the form takes."""
    out = dict(values)
    line_text = values.get("product_line", "").strip()
    if line_text:
        line = (
            ProductLine.objects.filter(organization_id=partner.organization_id)
            .filter(Q(name__iexact=line_text) | Q(code__iexact=line_text))
            .order_by("id")
            .first()
        )
        out["product_line"] = str(line.pk) if line else f"unknown: {line_text}"
    role_text = values.get("role", "").strip().lower()
    for value, label in PartnerType.choices:
        if role_text in (value.lower(), str(label).lower()):
            out["role"] = value
    return out


def registration_intake(*, partner: Partner, text: str) -> DealRegistration:
    """Submit the registration an e-mail body describes, for `partner` (see the module doc).

    Raises IntakeError listing every problem (line and field); nothing is written then.
    """
    values, lines, errors = intake_parse(text)
    data = _choice_values(values, partner)
    data.setdefault("currency", partner.organization.currency)
    form = LinkRegistrationForm(data, organization=partner.organization)
    if not form.is_valid():
        for field, messages in form.errors.items():
            where = f"line {lines[field]}: " if field in lines else ""
            name = _label(form, field) if field in form.fields else "Registration"
            errors.extend(f"{where}{name}: {message}" for message in messages)
    if errors:
        raise IntakeError(tuple(errors))
    cleaned = form.cleaned_data
    fields = {
        k: v for k, v in cleaned.items() if k not in ("attachments", "submitter_name", "submitter_email")
    }
    try:
        return registration_submit_for_partner(
            partner=partner,
            submitter_name=cleaned["submitter_name"],
            submitter_email=cleaned["submitter_email"],
            data=RegistrationInput(**fields),
        )
    except ValidationError as exc:
        raise IntakeError(
            tuple(
                f"{'line ' + str(lines[f]) + ': ' if f in lines else ''}{_label(form, f) if f in form.fields else 'Registration'}: {m}"
                for f, ms in exc.message_dict.items()
                for m in ms
            )
        ) from exc
