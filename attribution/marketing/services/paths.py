"""Path sets: delete one nobody ran on (its rows go with it); a set a configuration uses stays.

A run keeps its configuration version, and that version names its path set: deleting the set
would leave the run's figures without the rows they came from, so it is refused.
"""

from __future__ import annotations

from django.db import transaction

from attribution.marketing.models import AttributionRun, ModelConfig, PathRow, PathSet
from revops.exceptions import ApplicationError
from revops.models import Organization
from revops.services.audit import audit_record

ERROR_IN_USE = (
    "Path set {name!r} is used by {configs} configuration version(s) and {runs} run(s); "
    "it is kept so their figures can be reproduced."
)
ERROR_NOT_FOUND = "No such path set in this organization."


@transaction.atomic
def path_set_delete(*, organization: Organization, actor, path_set: PathSet) -> int:
    """Delete ``path_set`` and its rows, unless a configuration (and so maybe a run) uses it.

    Returns how many rows were deleted. The set is locked first, so a configuration saved on
    it at the same moment either sees it gone or makes this refuse.
    """
    locked = PathSet.objects.select_for_update().filter(organization=organization, pk=path_set.pk).first()
    if locked is None:
        raise ApplicationError(ERROR_NOT_FOUND)
    configs = ModelConfig.objects.filter(organization=organization, path_set=locked).count()
    if configs:
        runs = AttributionRun.objects.filter(organization=organization, config__path_set=locked).count()
        raise ApplicationError(ERROR_IN_USE.format(name=locked.name, configs=configs, runs=runs))
    rows = PathRow.objects.filter(organization=organization, path_set=locked)
    count = rows.count()
    audit_record(
        organization=organization,
        actor=actor,
        action="marketing.path_set.delete",
        obj=locked,
        before={"name": locked.name, "rows": count},
        after={},
    )
    rows.delete()
    locked.delete()
    return count
