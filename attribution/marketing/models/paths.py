"""Aggregated journeys: ChannelAttribution's path format (one row per distinct path, with counts)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from revops.models.base import OrganizationOwnedModel

PATH_SEPARATOR = " > "


class PathSet(OrganizationOwnedModel):
    """A named set of aggregated paths (e.g. an export of another tool) a model config can run on."""

    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="mkt_path_set_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PathRow(OrganizationOwnedModel):
    """One row of a path set: a path (its channels in order) and how many journeys took it.

    A path may be listed on several rows, as in ChannelAttribution's files; every model treats
    the rows alike whether or not they are merged.

    ``conversions`` and ``nulls`` count converting and non-converting journeys (fractions are
    allowed, as ChannelAttribution allows them); ``value`` is the conversions' total value.
    """

    path_set = models.ForeignKey(PathSet, on_delete=models.CASCADE, related_name="rows")
    path = models.TextField(help_text="Channel names joined by ' > '")
    conversions = models.DecimalField(max_digits=18, decimal_places=4)
    value = models.DecimalField(max_digits=28, decimal_places=10, default=0)
    nulls = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    class Meta:
        ordering = ["path_set", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(conversions__gte=0) & Q(nulls__gte=0) & Q(value__gte=0),
                name="mkt_path_row_not_negative",
            ),
        ]

    @property
    def channels(self) -> list[str]:
        return self.path.split(PATH_SEPARATOR) if self.path else []
