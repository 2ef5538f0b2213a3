"""Model configurations: a change is saved as the next version; runs keep the one they used."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from pydantic import ValidationError as PydanticError

from attribution.marketing.config_schema import ModelParams
from attribution.marketing.models import ModelConfig
from revops.models import Organization
from revops.services.audit import audit_record

VERSIONED_FIELDS = (
    "model",
    "journey_level",
    "conversion_event",
    "lookback_days",
    "excluded_channels",
    "params",
    "bootstrap_resamples",
    "path_set",
)


def _check_params(params: dict) -> dict:
    try:
        return ModelParams.load(params).model_dump(mode="json", exclude_defaults=True)
    except PydanticError as exc:
        raise ValidationError(
            {"params": [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]}
        ) from None


@transaction.atomic
def model_config_save(*, organization: Organization, actor, name: str, **values: Any) -> ModelConfig:
    """Save ``name`` with ``values``: the first version, or the next one when anything changed.

    Unchanged values return the current version (saving twice is a no-op).
    """
    unknown = set(values) - set(VERSIONED_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}")
    if "params" in values:
        values["params"] = _check_params(values["params"] or {})
    current = (
        ModelConfig.objects.select_for_update()
        .filter(organization=organization, name=name, is_current=True)
        .first()
    )
    if current is not None and all(getattr(current, f) == v for f, v in values.items()):
        return current
    base = {f: getattr(current, f) for f in VERSIONED_FIELDS} if current else {}
    config = ModelConfig(
        organization=organization,
        name=name,
        version=(current.version + 1) if current else 1,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **(base | values),
    )
    if current is not None:
        ModelConfig.objects.filter(pk=current.pk).update(is_current=False)
    config.full_clean()
    config.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="marketing.config.save",
        obj=config,
        before={f: getattr(current, f) for f in VERSIONED_FIELDS} if current else {},
        after={f: getattr(config, f) for f in VERSIONED_FIELDS},
    )
    return config
