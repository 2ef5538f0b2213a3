"""Choice labels by concept: the screen shows "Closed lost", never "closed_lost".

Each concept (stage, segment, partner type, ...) is registered once with its `TextChoices`;
templates ask `{{ value|label:"stage" }}`. Apps register their own concepts from
`AppConfig.ready` with `labels_register`. A code nobody registered reads as its humanised form
("closed_lost" → "Closed lost"), so a missing registration never shows a raw code.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

_LABELS: dict[str, dict[str, str]] = {}


def labels_register(concept: str, choices: type[models.Choices] | Iterable[tuple[str, str]]) -> None:
    """Register the labels of `concept`; registering the same concept again replaces them."""
    pairs = choices.choices if isinstance(choices, type) else choices
    _LABELS[concept] = {str(value): str(label) for value, label in pairs}


def humanize_code(code: object) -> str:
    text = str(code).replace("_", " ").replace("-", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def label_for(concept: str, code: object) -> str:
    """The label of `code` in `concept`; "" for None/""; the humanised code when unknown."""
    if code is None or code == "":
        return ""
    return _LABELS.get(concept, {}).get(str(code)) or humanize_code(code)


def registered_concepts() -> list[str]:
    return sorted(_LABELS)


def register_core_labels() -> None:
    from revops.models import FiscalPeriod, JobRun, Partner, Role
    from revops.models.crm import PartnerType, Region, Segment, Stage

    labels_register("stage", Stage)
    labels_register("segment", Segment)
    labels_register("region", Region)
    labels_register("partner_type", PartnerType)
    labels_register("partner_tier", Partner.Tier)
    labels_register("partner_status", Partner.Status)
    labels_register("partner_lifecycle", Partner.Lifecycle)
    labels_register("role", Role)
    labels_register("job_status", JobRun.Status)
    labels_register("period_status", FiscalPeriod.Status)
