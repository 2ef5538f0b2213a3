"""Writes on distribution configurations: create and save a new version (validated first)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from distribution.engine import ConfigError, DistributionConfigDoc, load_text
from distribution.models import DistributionConfig, DistributionConfigVersion
from revops.models import Organization


def config_validate(*, document: str) -> DistributionConfigDoc:
    """The typed document, or a ValidationError whose message names the bad key's path."""
    try:
        return load_text(document)
    except ConfigError as exc:
        raise ValidationError({"document": str(exc)}) from None


@transaction.atomic
def config_create(
    *, organization: Organization, name: str, document: str, active: bool = True, acting_user=None
) -> DistributionConfig:
    """Create a configuration and its version 1; refused (nothing written) if the document is bad."""
    config_validate(document=document)
    if DistributionConfig.objects.filter(organization=organization, name=name).exists():
        raise ValidationError({"name": f"A configuration named {name!r} already exists."})
    config = DistributionConfig(
        organization=organization, name=name, document=document, active=active, version=1
    )
    config.full_clean()
    config.save()
    DistributionConfigVersion.objects.create(
        organization=organization, config=config, version=1, document=document, created_by=acting_user
    )
    return config


@transaction.atomic
def config_update(
    *, config: DistributionConfig, document: str, active: bool | None = None, acting_user=None
) -> DistributionConfig:
    """Save a new version of the document (an unchanged document only updates `active`)."""
    config_validate(document=document)
    # Another editor may save at the same moment: the row lock orders the version numbers.
    locked = DistributionConfig.objects.select_for_update().get(pk=config.pk)
    fields = []
    if active is not None and active != locked.active:
        locked.active = active
        fields.append("active")
    if document != locked.document:
        locked.version += 1
        locked.document = document
        fields += ["version", "document"]
        DistributionConfigVersion.objects.create(
            organization=locked.organization,
            config=locked,
            version=locked.version,
            document=document,
            created_by=acting_user,
        )
    if fields:
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def config_current_version(config: DistributionConfig) -> DistributionConfigVersion | None:
    return DistributionConfigVersion.objects.filter(config=config, version=config.version).first()
